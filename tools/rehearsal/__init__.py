"""`make rehearse`: the synthesized app deployed, updated and destroyed on a local AWS emulator.

`server.py` and `extension.py` run in the emulator's own virtualenv (.venv-rehearse); `run.py`
drives the real CDK CLI against it from the project's virtualenv.
"""
