-- luacheck configuration for scripts/ and stdlib/.
std = "lua54"
-- Globals the Tide sandbox gives scripts.
read_globals = { "sleep" }
max_line_length = 120
