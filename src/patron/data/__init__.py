"""Sample data shipped with Patron: real CDNOW purchases and a synthetic hotel world."""
