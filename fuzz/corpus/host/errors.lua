local t = {} t.t = t
print(pcall(json.encode, t))
print(("x"):rep(100000):len())
error({})
