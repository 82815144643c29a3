-- expect: OK
-- A double fork: the grandchild is re-parented when its parent exits; it must not outlive the attempt.
return function()
  local r = tide.exec { "sh", "-c", "(sh -c 'sleep 4242.4242 &' &); echo started" }
  return r.stdout
end
