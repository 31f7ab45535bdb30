# Expands templates with Prometheus itself: each [value, [template...]] of the input JSON becomes
# one rule whose annotations are the templates, run by `promtool test rules` with empty
# exp_annotations; the "got" annotations are written out as [value, template, expansion] rows.
# Usage: python3 expand.py cases-1.json out.json   (needs promtool and PyYAML; works in a temp dir)
import sys, json, subprocess, yaml, re
def run(value, tpls):
    ann = {f"a{i:02d}": t for i, t in enumerate(tpls)}
    rules = {"groups": [{"name": "g", "rules": [{"alert": "T", "expr": "m", "annotations": ann}]}]}
    open("r.yml", "w").write(yaml.safe_dump(rules))
    test = {"rule_files": ["r.yml"], "evaluation_interval": "1m", "tests": [{"interval": "1m", "external_labels": {"cluster": "c1"}, "external_url": "http://ext:9093/am",
      "input_series": [{"series": 'm{instance="host:9100",job="node"}', "values": value}],
      "alert_rule_test": [{"eval_time": "0m", "alertname": "T", "exp_alerts": [{"exp_labels": {}, "exp_annotations": {}}]}]}]}
    open("t.yml", "w").write(yaml.safe_dump(test))
    out = subprocess.run(["promtool", "test", "rules", "t.yml"], capture_output=True, text=True); out = out.stdout + out.stderr
    if "got:" not in out: print(value, out[-1500:]); return [None]*len(tpls)
    got = out[out.index("got:"):]
    res = {}
    for k, v in re.findall(r'(a\d\d)="((?:[^"\\]|\\.)*)"', got):
        res[k] = bytes(v, "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
    return [res.get(f"a{i:02d}") for i in range(len(tpls))]
cases = json.load(open(sys.argv[1]))
out = []
for value, tpls in cases:
    for t, e in zip(tpls, run(value, tpls)):
        out.append([value, t, e])
json.dump(out, open(sys.argv[2], "w"), indent=0, ensure_ascii=False)
