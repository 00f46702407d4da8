"""The installer: preflight, plan of action, runner, air-gapped bundles."""
