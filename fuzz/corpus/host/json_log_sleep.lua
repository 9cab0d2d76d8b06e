print(json.encode(json.decode("[1,2,{\"a\":3.0}]")))
log.info("x %s", 1)
sleep(0.001)
print(arg[2])
