-- Error rate: when more than half of the attempts have failed for 10 s, say so in the execution's
-- log and timeline. To stop such an execution instead, add: tide.pause(alert.executionId)
return {
  id = "error-rate",
  condition = { metric = "errorRate", operator = ">", threshold = 0.5, duration = "10s" },
  handle = function(alert)
    tide.log.warning("error rate high: " .. alert.message)
    tide.emit("error rate alert", { value = alert.value, threshold = alert.condition.threshold })
  end,
  resolved = function(alert)
    tide.log.info("error rate back to normal: " .. alert.message)
  end,
}
