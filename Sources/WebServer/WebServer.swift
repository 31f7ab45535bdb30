// Shared web-server pieces land here.
