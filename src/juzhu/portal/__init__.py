"""The citizen portal: the planner without login, SMS login, my permit, the inbox."""
