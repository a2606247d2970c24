-- wrk -s bench/wrk_requests.lua: requests read one per line from the file named by $WRK_REQUESTS,
-- sent in turn (each wrk thread keeps its own position). A line starting with "/" is a GET of that
-- path; any other line is a JSON body POSTed to /graphql. A response counts as an error when its
-- status is not 200 or its body has GraphQL "errors"; done() prints "errors <n>" for bench/api_load.py.
local lines = {}
for line in io.lines(os.getenv("WRK_REQUESTS")) do lines[#lines + 1] = line end
local position = 0
errors = 0  -- a global: done() reads it from each thread
local threads = {}

setup = function(thread)
  table.insert(threads, thread)
end

request = function()
  position = position % #lines + 1
  local line = lines[position]
  if line:sub(1, 1) == "/" then
    return wrk.format("GET", line)
  end
  return wrk.format("POST", "/graphql", { ["Content-Type"] = "application/json" }, line)
end

response = function(status, headers, body)
  if status ~= 200 or body:find('"errors"', 1, true) then
    errors = errors + 1
  end
end

done = function(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("errors") end
  io.write(string.format("errors %d\n", total))
end
