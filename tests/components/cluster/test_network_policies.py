"""The product namespace's NetworkPolicies (pure)."""

from components.cluster.network_policies import product_policies

PUBLIC = ("10.10.128.0/24", "10.10.129.0/24")
DATA = ("10.10.160.0/24", "10.10.161.0/24")


def test_everything_is_denied_first():
    deny = product_policies(PUBLIC, DATA)["default-deny-all"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_dns_egress_goes_to_cluster_dns_only():
    (rule,) = product_policies(PUBLIC, DATA)["allow-dns"]["egress"]
    (peer,) = rule["to"]
    assert peer["namespaceSelector"] == {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}
    assert peer["podSelector"] == {"matchLabels": {"k8s-app": "kube-dns"}}
    assert {(p["protocol"], p["port"]) for p in rule["ports"]} == {("UDP", 53), ("TCP", 53)}


def test_load_balancers_reach_pods_from_the_public_subnets_only():
    (rule,) = product_policies(PUBLIC, DATA)["allow-from-load-balancers"]["ingress"]
    assert rule["from"] == [{"ipBlock": {"cidr": c}} for c in PUBLIC]


def test_data_tier_egress_is_limited_to_its_subnets_and_ports():
    (rule,) = product_policies(PUBLIC, DATA)["allow-to-data-tier"]["egress"]
    assert rule["to"] == [{"ipBlock": {"cidr": c}} for c in DATA]
    assert sorted(p["port"] for p in rule["ports"]) == [5432, 6379, 27017]
    assert {p["protocol"] for p in rule["ports"]} == {"TCP"}


def test_internet_egress_is_https_only():
    (rule,) = product_policies(PUBLIC, DATA)["allow-https-egress"]["egress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 443}]


def test_prometheus_may_scrape_and_pods_may_talk_within_the_namespace():
    found = product_policies(PUBLIC, DATA)
    assert found["allow-from-monitoring"]["ingress"] == [
        {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]}
    ]
    assert found["allow-within-namespace"]["ingress"] == [{"from": [{"podSelector": {}}]}]
    assert found["allow-within-namespace"]["egress"] == [{"to": [{"podSelector": {}}]}]
