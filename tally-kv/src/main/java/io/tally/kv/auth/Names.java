package io.tally.kv.auth;

/** The names of users and roles: 1-64 letters, digits, '-', '_', '.' or '@'. */
public final class Names {

    public static final int MAX = 64;

    private Names() {
    }

    public static boolean valid(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '@';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** @throws IllegalArgumentException naming {@code what} when {@code name} is not a valid name */
    public static void check(String what, String name) {
        if (!valid(name)) {
            throw new IllegalArgumentException("a " + what + " name is 1-" + MAX
                    + " letters, digits, '-', '_', '.' or '@', not '" + name + "'");
        }
    }
}
