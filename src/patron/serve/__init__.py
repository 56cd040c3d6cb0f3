"""The service: REST API and web pages for staff, systems and customers answering surveys."""
