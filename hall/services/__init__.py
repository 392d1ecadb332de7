"""Hall services: the only code that writes hall models. One module per concept."""
