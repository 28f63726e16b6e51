package io.tally.server;

import io.tally.kv.KvResult;
import io.tally.kv.TxnOpResult;
import io.tally.kv.Versioned;
import io.tally.kv.WatchEvent;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON shapes of the key/value API (docs/http-api.md): items, events and transaction results. Values in base64. */
final class KvJson {

    /** On every {@code /v1/kv} answer: the store's revision (a Raft index) the answer reflects. */
    static final String INDEX_HEADER = "X-Tally-Index";

    private static final Base64.Encoder B64 = Base64.getEncoder();

    private KvJson() {
    }

    /** {@code {"key", "value"?, "version", "created", "lease"?}}; without the value when {@code keysOnly}. */
    static Map<String, Object> item(String key, Versioned v, boolean keysOnly) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("key", key);
        if (!keysOnly) {
            item.put("value", B64.encodeToString(v.value()));
        }
        item.put("version", v.version());
        item.put("created", v.created());
        if (v.lease() != 0) {
            item.put("lease", Long.toString(v.lease()));
        }
        return item;
    }

    /** {@code {"revision", "type", "key", "value"? (puts), "version", "lease"?}}. */
    static Map<String, Object> event(WatchEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("revision", e.revision());
        m.put("type", e.type() == WatchEvent.Type.PUT ? "put" : "delete");
        m.put("key", e.key());
        if (e.value() != null) {
            m.put("value", B64.encodeToString(e.value()));
        }
        m.put("version", e.version());
        if (e.lease() != 0) {
            m.put("lease", Long.toString(e.lease()));
        }
        return m;
    }

    /** {@code {"succeeded", "revision", "results": [...]}}. */
    static Map<String, Object> txn(KvResult r) {
        List<Map<String, Object>> results = new ArrayList<>();
        for (TxnOpResult o : r.txn().results()) {
            Map<String, Object> m = new LinkedHashMap<>();
            if (o instanceof TxnOpResult.Put p) {
                m.put("op", "put");
                m.put("key", p.key());
                m.put("version", p.version());
            } else if (o instanceof TxnOpResult.Get g) {
                m.put("op", "get");
                m.put("key", g.key());
                m.put("found", g.value() != null);
                if (g.value() != null) {
                    m.putAll(item(g.key(), g.value(), false));
                }
            } else if (o instanceof TxnOpResult.Delete d) {
                m.put("op", "delete");
                m.put("key", d.key());
                m.put("deleted", d.deleted());
            } else if (o instanceof TxnOpResult.DeletePrefix d) {
                m.put("op", "delete-prefix");
                m.put("prefix", d.prefix());
                m.put("deleted", d.deleted());
            }
            results.add(m);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("succeeded", r.txn().succeeded());
        body.put("revision", r.revision());
        body.put("results", results);
        return body;
    }
}
