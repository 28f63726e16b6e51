package io.tally.server.cli;

/** A command ends with this message on stderr and this exit code ({@link ExitCode}). */
final class CliFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;
    final int exitCode;

    CliFailure(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    CliFailure(int exitCode, String message, Throwable cause) {
        super(message, cause, false, false);
        this.exitCode = exitCode;
    }

    static CliFailure usage(String message) {
        return new CliFailure(ExitCode.USAGE, message);
    }

    static CliFailure failed(String message) {
        return new CliFailure(ExitCode.FAILED, message);
    }
}
