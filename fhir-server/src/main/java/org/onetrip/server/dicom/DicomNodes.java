package org.onetrip.server.dicom;

import ca.uhn.fhir.rest.annotation.Operation;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.onetrip.dicom.AssociationAudit;
import org.onetrip.dicom.EchoProbe;
import org.onetrip.dicom.retrieve.MoveDestinations;
import org.onetrip.terminology.region.Hospital;
import org.onetrip.terminology.region.Region;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The region's DICOM nodes as an operator sees them ({@code GET [base]/$dicom-nodes}): every hospital's AE titles, where
 * OneTrip reaches them, whether they answer a C-ECHO now (all at once, at most {@value #ECHO_WAIT_SECONDS} s), and what
 * they last sent: each association a node opens is counted in OT_DICOM_NODE when it ends (one row per AE title, the
 * same on every instance), with the last study it stored.
 */
public class DicomNodes implements DisposableBean {

	static final int ECHO_WAIT_SECONDS = 3;

	private final JdbcTemplate jdbc;
	private final Region region;
	private final MoveDestinations addresses;
	private final String ownAeTitle;
	private final Clock clock;
	private final ExecutorService echoes = Executors.newFixedThreadPool(4, runnable -> {
		Thread thread = new Thread(runnable, "onetrip-dicom-echo");
		thread.setDaemon(true);
		return thread;
	});
	/** A probe still running for a node is answered again, not started twice: a node that hangs costs one thread. */
	private final java.util.concurrent.ConcurrentMap<String, CompletableFuture<EchoProbe.Result>> running =
			new java.util.concurrent.ConcurrentHashMap<>();

	public DicomNodes(JdbcTemplate jdbc, Region region, Map<String, String> addressOverrides, String ownAeTitle, Clock clock) {
		this.jdbc = jdbc;
		this.region = region;
		this.addresses = RegionDicom.destinations(region, addressOverrides);
		this.ownAeTitle = ownAeTitle;
		this.clock = clock;
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_DICOM_NODE (CALLING_AE VARCHAR(16) NOT NULL PRIMARY KEY, HOSPITAL VARCHAR(64) NOT NULL, "
				+ "ASSOCIATIONS BIGINT NOT NULL, LAST_ASSOCIATION_AT BIGINT NOT NULL, FAILURES BIGINT NOT NULL, LAST_FAILURE VARCHAR(400), "
				+ "STUDIES_STORED BIGINT NOT NULL, LAST_STORED_AT BIGINT, LAST_STUDY_UID VARCHAR(64))");
	}

	/** Counts an association when it ends (one small write per association, none per instance); unknown callers are not nodes. */
	public void seen(AssociationAudit.Association association) {
		if (association.hospital() == null || association.callingAe() == null) {
			return;
		}
		boolean failed = association.rejection() != null || association.failure() != null;
		String failure = failed ? truncate(association.rejection() != null ? association.rejection() : association.failure()) : null;
		int stored = association.storedStudies().size();
		String lastStudy = association.storedStudies().stream().sorted().reduce((a, b) -> b).orElse(null);
		long at = association.ended().toEpochMilli();
		jdbc.update("INSERT INTO OT_DICOM_NODE (CALLING_AE, HOSPITAL, ASSOCIATIONS, LAST_ASSOCIATION_AT, FAILURES, LAST_FAILURE, "
						+ "STUDIES_STORED, LAST_STORED_AT, LAST_STUDY_UID) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?) "
						+ "ON CONFLICT (CALLING_AE) DO UPDATE SET HOSPITAL = EXCLUDED.HOSPITAL, ASSOCIATIONS = OT_DICOM_NODE.ASSOCIATIONS + 1, "
						+ "LAST_ASSOCIATION_AT = GREATEST(OT_DICOM_NODE.LAST_ASSOCIATION_AT, EXCLUDED.LAST_ASSOCIATION_AT), "
						+ "FAILURES = OT_DICOM_NODE.FAILURES + EXCLUDED.FAILURES, "
						+ "LAST_FAILURE = COALESCE(EXCLUDED.LAST_FAILURE, OT_DICOM_NODE.LAST_FAILURE), "
						+ "STUDIES_STORED = OT_DICOM_NODE.STUDIES_STORED + EXCLUDED.STUDIES_STORED, "
						+ "LAST_STORED_AT = COALESCE(EXCLUDED.LAST_STORED_AT, OT_DICOM_NODE.LAST_STORED_AT), "
						+ "LAST_STUDY_UID = COALESCE(EXCLUDED.LAST_STUDY_UID, OT_DICOM_NODE.LAST_STUDY_UID)",
				association.callingAe().toUpperCase(Locale.ROOT), association.hospital(), at, failed ? 1 : 0, failure, stored,
				stored > 0 ? at : null, lastStudy);
	}

	/** Every region AE title: hospital, address, a C-ECHO now, and its association figures. */
	@Operation(name = "$dicom-nodes", idempotent = true)
	public Parameters nodes(ca.uhn.fhir.rest.api.server.RequestDetails request) {
		org.onetrip.server.security.FhirAccessInterceptor.requireRegion(request, "$dicom-nodes", "every hospital's PACS addresses");
		record Node(Hospital hospital, String aeTitle, Optional<MoveDestinations.Destination> address,
				CompletableFuture<EchoProbe.Result> echo) {}
		List<Node> nodes = new ArrayList<>();
		for (Hospital hospital : region.hospitals()) {
			for (String ae : hospital.aeTitles()) {
				Optional<MoveDestinations.Destination> address = addresses.destination(ae.toUpperCase(Locale.ROOT))
						.filter(d -> d.host() != null && d.port() > 0);
				CompletableFuture<EchoProbe.Result> echo = address.map(d -> probe(d)).orElse(null);
				nodes.add(new Node(hospital, ae, address, echo));
			}
		}
		Map<String, Map<String, Object>> seen = new java.util.HashMap<>();
		jdbc.queryForList("SELECT * FROM OT_DICOM_NODE").forEach(row -> seen.put(((String) row.get("calling_ae")).toUpperCase(Locale.ROOT), row));
		Instant deadline = Instant.now().plusSeconds(ECHO_WAIT_SECONDS); // real time: the echoes take it, whatever the clock says
		Parameters out = new Parameters();
		out.addParameter().setName("checked").setValue(new DateTimeType(Date.from(clock.instant())));
		for (Node node : nodes) {
			Parameters.ParametersParameterComponent part = out.addParameter().setName("node");
			part.addPart().setName("ae-title").setValue(new StringType(node.aeTitle()));
			part.addPart().setName("hospital").setValue(new StringType(node.hospital().key()));
			part.addPart().setName("hospital-name").setValue(new StringType(node.hospital().name()));
			node.address().ifPresent(d -> part.addPart().setName("address").setValue(new StringType(d.host() + ":" + d.port())));
			if (node.echo() == null) {
				part.addPart().setName("echo").setValue(new StringType("no address"));
			} else {
				EchoProbe.Result result = waitFor(node.echo(), deadline);
				part.addPart().setName("echo").setValue(new StringType(result.answered() ? "answered" : "failed"));
				part.addPart().setName("echo-ms").setValue(new IntegerType(Math.toIntExact(result.millis())));
				if (result.failure() != null) {
					part.addPart().setName("echo-failure").setValue(new StringType(result.failure()));
				}
			}
			Map<String, Object> row = seen.get(node.aeTitle().toUpperCase(Locale.ROOT));
			part.addPart().setName("associations").setValue(new IntegerType(row == null ? 0 : ((Number) row.get("associations")).intValue()));
			part.addPart().setName("studies-stored").setValue(new IntegerType(row == null ? 0 : ((Number) row.get("studies_stored")).intValue()));
			if (row != null) {
				part.addPart().setName("last-association").setValue(time(row.get("last_association_at")));
				if (row.get("last_stored_at") != null) {
					part.addPart().setName("last-stored").setValue(time(row.get("last_stored_at")));
					part.addPart().setName("last-study").setValue(new StringType((String) row.get("last_study_uid")));
				}
				if (row.get("last_failure") != null) {
					part.addPart().setName("last-failure").setValue(new StringType((String) row.get("last_failure")));
				}
			}
		}
		return out;
	}

	private CompletableFuture<EchoProbe.Result> probe(MoveDestinations.Destination node) {
		String key = node.aeTitle().toUpperCase(Locale.ROOT);
		return running.compute(key, (ae, previous) -> previous != null && !previous.isDone() ? previous
				: CompletableFuture.supplyAsync(() -> EchoProbe.echo(node.host(), node.port(), node.aeTitle(), ownAeTitle), echoes));
	}

	private static EchoProbe.Result waitFor(CompletableFuture<EchoProbe.Result> echo, Instant deadline) {
		try {
			return echo.get(Math.max(0, Duration.between(Instant.now(), deadline).toMillis()), TimeUnit.MILLISECONDS);
		} catch (TimeoutException e) {
			return new EchoProbe.Result(false, ECHO_WAIT_SECONDS * 1000L, "no answer within " + ECHO_WAIT_SECONDS + " s");
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			return new EchoProbe.Result(false, 0, "interrupted");
		} catch (java.util.concurrent.ExecutionException e) {
			return new EchoProbe.Result(false, 0, String.valueOf(e.getCause()));
		}
	}

	private static DateTimeType time(Object millis) {
		return new DateTimeType(new Date(((Number) millis).longValue()));
	}

	private static String truncate(String text) {
		return text == null || text.length() <= 400 ? text : text.substring(0, 400);
	}

	@Override
	public void destroy() {
		echoes.shutdownNow();
	}
}
