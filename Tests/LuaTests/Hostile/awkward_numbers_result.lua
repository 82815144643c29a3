-- expect: OK
return math.maxinteger + 0.0, 0 / 0, -0.0, math.mininteger, math.mininteger // -1
