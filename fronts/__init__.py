"""Front-ends (console, Discord, Matrix) and the command-line entry point. Thin adapters only."""
