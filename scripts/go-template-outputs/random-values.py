# 150 random values through six number templates in one `promtool test rules` run; writes
# random.json rows [value, template, expansion] (Tests/AlertCoreTests/PrometheusRandomNumberOutputs.swift).
import yaml, subprocess, re, random, json, struct
random.seed(7)
vals = []
for i in range(150):
    kind = i % 5
    if kind == 0: v = random.uniform(-1e6, 1e6)
    elif kind == 1: v = random.uniform(0, 1) * 10 ** random.randint(-12, 12)
    elif kind == 2: v = round(random.uniform(0, 1000), random.randint(0, 4))
    elif kind == 3: v = struct.unpack('d', struct.pack('Q', random.getrandbits(62)))[0]
    else: v = random.randint(0, 10**9) / 1000
    vals.append(repr(v))
tpls = ['{{ $value }}', '{{ humanize $value }}', '{{ humanize1024 $value }}', '{{ humanizeDuration $value }}', '{{ humanizePercentage $value }}',
        '{{ printf "%.2f|%.3e|%g|%.5g|%10.4f" $value $value $value $value $value }}']
ann = {f"a{i:02d}": t for i, t in enumerate(tpls)}
open("r3.yml","w").write(yaml.safe_dump({"groups":[{"name":"g","rules":[{"alert":"T","expr":"m","annotations":ann}]}]}))
series = [{"series": 'm{i="%03d"}' % i, "values": v} for i, v in enumerate(vals)]
test = {"rule_files":["r3.yml"],"evaluation_interval":"1m","tests":[{"interval":"1m","input_series":series,
  "alert_rule_test":[{"eval_time":"0m","alertname":"T","exp_alerts":[]}]}]}
open("t3.yml","w").write(yaml.safe_dump(test))
out = subprocess.run(["promtool","test","rules","t3.yml"],capture_output=True,text=True)
out = out.stdout + out.stderr
got = out[out.index("got:"):]
rows = []
for m in re.finditer(r'Labels:\{alertname="T", i="(\d+)"\}\s*Annotations:\{([^\n]*)\}', got):
    i = int(m.group(1))
    anns = dict(re.findall(r'(a\d\d)="((?:[^"\\]|\\.)*)"', m.group(2)))
    for k, t in enumerate(tpls):
        rows.append([vals[i], t, anns[f"a{k:02d}"]])
print(len(rows))
json.dump(rows, open("random.json","w"))
