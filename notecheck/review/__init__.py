"""notecheck review (see its issue); the commands are registered from notecheck/review/cli.py."""
