# gatewatch on a JRE, as a non-root user. Build the jar first, then the image:
#   mvn -B -q -DskipTests package && docker build -t gatewatch:0.1.0 .
FROM eclipse-temurin:17-jre

# a fixed uid/gid matching the Helm chart's securityContext (runAsUser 10001)
RUN groupadd --system --gid 10001 gatewatch \
 && useradd --system --uid 10001 --gid gatewatch --home-dir /nonexistent --shell /usr/sbin/nologin gatewatch

COPY --chown=root:root --chmod=0444 target/gatewatch.jar /opt/gatewatch/gatewatch.jar

USER 10001:10001
# the serial collector, and a heap of 60 % of the container's memory limit (the rest is the JVM's
# native memory and Netty's buffers): the benchmarks' choice, figures in docs/performance.md;
# override JAVA_TOOL_OPTIONS to change it (the chart's javaOptions carries the same string)
ENV JAVA_TOOL_OPTIONS="-XX:+UseSerialGC -XX:MaxRAMPercentage=60"

# the metrics port, then the proxy's default port
EXPOSE 9470 8766
ENTRYPOINT ["java", "-jar", "/opt/gatewatch/gatewatch.jar"]
CMD ["run", "--config", "/etc/gatewatch/config.yaml"]
