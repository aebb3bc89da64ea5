"""berth's reusable L3 constructs, one concern a module. Stacks only compose these."""
