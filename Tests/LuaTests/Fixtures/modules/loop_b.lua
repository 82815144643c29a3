return require "loop_a"
