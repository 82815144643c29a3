-- Long-running execution: after an hour, note it in the log and the timeline.
return {
  id = "long-running",
  condition = { metric = "execution_duration", operator = ">", threshold = 3600000 },  -- ms
  handle = function(alert)
    tide.log.warning(string.format("execution has run for %.0f minutes", alert.value / 60000))
    tide.emit("long-running execution", { minutes = alert.value / 60000 })
  end,
}
