"""Feedback and knowledge gaps: what people asked that RoleFit could not answer, and their votes.

`records` turns replies and clicks into rows, `store` keeps them (SQLite behind a Protocol),
`writer` keeps the disk off the event loop, `report` summarises them for `rolefit report`, and
`home` shows admins the gaps on their App Home.
"""
