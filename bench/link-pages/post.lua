-- wrk script: POST form bodies `token=<next token>` from the file in $TOKENS (one per line),
-- each thread starting at its own offset, with the page's own Origin.
local tokens = {}
local index = 0

function setup(thread)
  thread:set("id", tostring(thread))
end

function init(args)
  for line in io.lines(os.getenv("TOKENS")) do
    tokens[#tokens + 1] = line
  end
  index = math.random(#tokens)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Origin"] = os.getenv("ORIGIN")
end

function request()
  index = index % #tokens + 1
  return wrk.format(nil, nil, nil, "token=" .. tokens[index])
end
