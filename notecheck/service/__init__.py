"""notecheck service (see its issue); the commands are registered from notecheck/service/cli.py."""
