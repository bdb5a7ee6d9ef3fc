"""The policy language: grammar, AST, parser, formatter and diagnostics. Knows nothing of 医保."""
