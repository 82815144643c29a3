-- Requires loop_b, which requires this module back: a require loop.
return require "loop_b"
