"""Project tools that read synthesized assemblies (reports kept in the repository)."""
