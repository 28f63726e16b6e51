package io.tally.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.status.Status;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The jar's default {@code logback.xml} (what the CLI's commands log with) parses without a warning or error — Logback
 * would otherwise print its whole status on every command — and keeps the CLI at warnings.
 */
class DefaultLogConfigTest {

    @Test
    void theJarsLogbackXmlParsesCleanlyAndLogsWarningsOnly() throws Exception {
        URL config = TallyNode.class.getClassLoader().getResource("logback.xml");
        assertNotNull(config, "logback.xml in tally-server's resources");
        LoggerContext ctx = new LoggerContext();
        JoranConfigurator joran = new JoranConfigurator();
        joran.setContext(ctx);
        joran.doConfigure(config);
        List<String> problems = ctx.getStatusManager().getCopyOfStatusList().stream()
                .filter(s -> s.getLevel() >= Status.WARN).map(Status::toString).toList();
        assertEquals(List.of(), problems);
        assertEquals(Level.WARN, ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getLevel());
        ctx.stop();
    }
}
