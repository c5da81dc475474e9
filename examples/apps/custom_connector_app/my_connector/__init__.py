"""A custom connector and its task: word counts computed by a (pretend) remote service."""
