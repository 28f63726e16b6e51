package io.tally.client;

import java.util.Objects;
import java.util.concurrent.Flow;

/**
 * The events of one {@link Watch}, for any number of subscribers: each subscription is a watch stream of its own
 * ({@link WatchSubscription}), from the watch's {@code from} revision (or from the revision current when it
 * subscribes).
 */
final class WatchPublisher implements Flow.Publisher<WatchEvent> {

    private final HttpTransport transport;
    private final RequestRunner runner;
    private final Watch watch;

    WatchPublisher(HttpTransport transport, RequestRunner runner, Watch watch) {
        this.transport = transport;
        this.runner = runner;
        this.watch = watch;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super WatchEvent> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        WatchSubscription s = new WatchSubscription(transport, runner, watch, subscriber);
        subscriber.onSubscribe(s);
        s.start();
    }

    @Override
    public String toString() {
        return "WatchPublisher[" + watch + "]";
    }
}
