-- A module whose top level raises on line 2.
error("module top level failed")
