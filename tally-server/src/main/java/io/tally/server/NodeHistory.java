package io.tally.server;

import com.fasterxml.jackson.databind.util.RawValue;
import org.HdrHistogram.Histogram;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last {@value #CAPACITY} one-second samples of this node (five minutes), for the status page's plots: request
 * rates, write and fsync latency percentiles, and how fast the commit index grows. A bounded ring: memory is fixed,
 * the oldest sample goes when a new one comes. {@link #add} is called by the sampler, which also encodes the sample as
 * JSON there, once, for the status page's polls; readers take copies.
 */
final class NodeHistory {

    static final int CAPACITY = 300;

    /**
     * One interval of about a second, ending at wall-clock time {@code time} (epoch milliseconds).
     *
     * @param seq          this process's sample number, from 1, without gaps: a reader that misses one knows it
     * @param writeP50Ms   null when no write was answered in the interval (likewise the other latencies)
     * @param commitsPerSec how fast the commit index grew over the interval
     */
    record Sample(long seq, long time, double seconds, double writesPerSec, double readsPerSec, double failedPerSec,
                  Double writeP50Ms, Double writeP99Ms, long commitIndex, long appliedIndex, double commitsPerSec,
                  long fsyncs, Double fsyncP50Ms, Double fsyncP99Ms, long term, String state) {

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seq", seq);
            m.put("time", time);
            m.put("writesPerSec", round(writesPerSec));
            m.put("readsPerSec", round(readsPerSec));
            m.put("failedPerSec", round(failedPerSec));
            m.put("writeP50Ms", writeP50Ms);
            m.put("writeP99Ms", writeP99Ms);
            m.put("commitIndex", commitIndex);
            m.put("appliedIndex", appliedIndex);
            m.put("commitsPerSec", round(commitsPerSec));
            m.put("fsyncs", fsyncs);
            m.put("fsyncP50Ms", fsyncP50Ms);
            m.put("fsyncP99Ms", fsyncP99Ms);
            m.put("term", term);
            m.put("state", state);
            return m;
        }
    }

    private final EncodedRing<Sample> ring = new EncodedRing<>(CAPACITY);

    /** The sample of one interval: rates over {@code seconds}, percentiles from the interval's histograms. */
    static Sample sample(long seq, long time, double seconds, NodeActivity.Interval a, long commitIndex,
                         long previousCommitIndex, long appliedIndex, long term, String state) {
        return new Sample(seq, time, seconds, a.writes() / seconds, a.reads() / seconds, a.failed() / seconds,
                millis(a.writeMicros(), 50), millis(a.writeMicros(), 99), commitIndex, appliedIndex,
                Math.max(0, commitIndex - previousCommitIndex) / seconds, a.fsyncMicros().getTotalCount(),
                millis(a.fsyncMicros(), 50), millis(a.fsyncMicros(), 99), term, state);
    }

    synchronized void add(Sample s) {
        ring.add(s, s.json());
    }

    /** The newest {@code n} samples (fewer if there are not as many), oldest first. */
    synchronized List<Sample> newest(int n) {
        return ring.newest(n);
    }

    /** The same as one JSON array of {@link Sample#json()}s, encoded when each sample was added. */
    synchronized RawValue newestJson(int n) {
        return ring.newestJson(n);
    }

    private static Double millis(Histogram h, double percentile) {
        if (h.getTotalCount() == 0) {
            return null;
        }
        return Math.round(h.getValueAtPercentile(percentile) / 10.0) / 100.0; // microseconds to ms, 2 decimals
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
