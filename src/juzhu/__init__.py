"""juzhu (居住): China's residence-permit system, end to end."""

__version__ = "0.1.0"
