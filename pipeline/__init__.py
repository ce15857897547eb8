"""textwash pipeline assembly, options and command line."""
