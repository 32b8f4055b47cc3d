"""Member schools' obligations (O1–O3): release for planning meetings and support for conference
attendance, derived from the Cores, meetings, conferences and answers below, and each school's answer."""
