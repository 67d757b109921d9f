"""Block Kit cards: pure functions from core results to blocks, with mrkdwn escaping."""
