-- luacheck configuration for scripts/ and stdlib/.
std = "lua54"
-- Globals the Tide sandbox gives scripts: the engine API, and `sleep` in bare sandboxes.
read_globals = { "tide", "sleep" }
max_line_length = 120
