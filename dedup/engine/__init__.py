"""How stages run: `local` in this process (the default); other engines call the same stage functions."""
