-- wrk script: POST sign-ups for distinct addresses to one list, all from this one client.
-- Each wrk thread has its own Lua state: its number (from setup) keeps the addresses apart.
local threads = 0
local n = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Origin"] = os.getenv("ORIGIN")
end

function request()
  n = n + 1
  return wrk.format(nil, nil, nil, "email=flood" .. tostring(tid) .. "-" .. n .. "%40example.org")
end
