"""The service layer: the jobs the CLI, the API, the scheduler, the report and the demo all call."""
