-- wrk script: POST sign-ups for distinct addresses to one list, all from this one client.
local n = 0

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Origin"] = os.getenv("ORIGIN")
end

function request()
  n = n + 1
  return wrk.format(nil, nil, nil, "email=flood" .. tostring(math.random(1, 1000000000)) .. "-" .. n .. "%40example.org")
end
