"""What the pages share: state (settings, cached loaders, the sidebar) and charts."""
