"""Cross-cutting pieces every room uses: settings, workspace, translation, printing."""
