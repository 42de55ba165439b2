/**
 * The common "don't oversell" answer: a Lua script that decrements a stock key only when enough is
 * left, atomically inside Redis. Returns 1 when sold, 0 when sold out.
 */
export const STOCK_DECREMENT_LUA = `
local stock = tonumber(redis.call('GET', KEYS[1]) or '0')
local n = tonumber(ARGV[1])
if stock >= n then
  redis.call('DECRBY', KEYS[1], n)
  return 1
end
return 0
`;

export const STOCK_KEY = 'ringline:bench:stock';
