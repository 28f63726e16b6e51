package io.tally.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code -o simple|json|table} (env {@code TALLY_OUTPUT}) of every command that prints data, and the printing
 * itself: {@code simple} is the command's own terse form (a value as it is, {@code key<TAB>value} lines),
 * {@code json} one JSON document per line (values in base64, as the HTTP API writes them), {@code table} aligned
 * columns under a header.
 */
final class Output {

    enum Format { simple, json, table }

    private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    @Option(names = {"-o", "--output"}, paramLabel = "simple|json|table", defaultValue = "${env:TALLY_OUTPUT:-simple}",
            description = "how results are printed: simple, json (one document per line; values in base64) or table "
                    + "(env TALLY_OUTPUT; default ${DEFAULT-VALUE})")
    Format format;

    boolean is(Format f) {
        return format == f;
    }

    /** One JSON document on one line. */
    static void json(Console console, Object document) {
        try {
            console.out().println(JSON.writeValueAsString(document));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        console.out().flush();
    }

    /** Rows under a header, each column as wide as its widest cell; the last column is not padded. */
    static void table(Console console, List<String> header, List<List<String>> rows) {
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        int[] width = new int[header.size()];
        for (List<String> row : all) {
            for (int i = 0; i < row.size(); i++) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        for (List<String> row : all) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                String cell = row.get(i);
                line.append(cell);
                if (i + 1 < row.size()) {
                    line.append(" ".repeat(width[i] - cell.length() + 2));
                }
            }
            console.out().println(line.toString().stripTrailing());
        }
        console.out().flush();
    }

    /**
     * A value as text on one line: UTF-8, with backslash, line breaks, tabs and other control characters escaped
     * ({@code \\n}, {@code \\t}, {@code \\x07}), so that one event or key stays one line.
     */
    static String oneLine(byte[] value) {
        String s = new String(value, java.nio.charset.StandardCharsets.UTF_8);
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\x%02x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
