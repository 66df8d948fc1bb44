package org.onetrip.server.referral;

import ca.uhn.fhir.rest.annotation.Operation;
import java.util.Locale;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.workflow.referral.ReferralCategory;

/**
 * {@code GET [base]/$referral-statistics}: every referral the region holds, by referring and receiving hospital (with
 * their levels: "two-way referral", primary up to tertiary and back), category and state, from the referral ledger.
 */
public class ReferralStatistics {

	private final ReferralLedger ledger;
	private final RegionDirectory directory;

	public ReferralStatistics(ReferralLedger ledger, RegionDirectory directory) {
		this.ledger = ledger;
		this.directory = directory;
	}

	@Operation(name = "$referral-statistics", idempotent = true)
	public Parameters statistics(ca.uhn.fhir.rest.api.server.RequestDetails request) {
		org.onetrip.server.security.FhirAccessInterceptor.refusePatients(request, "$referral-statistics");
		Parameters out = new Parameters();
		long total = 0;
		for (Object[] row : ledger.countsByHospitalAndState()) {
			Parameters.ParametersParameterComponent group = out.addParameter().setName("group");
			group.addPart().setName("from-hospital").setValue(new StringType((String) row[0]));
			group.addPart().setName("from-level").setValue(new StringType(level((String) row[0])));
			group.addPart().setName("to-hospital").setValue(new StringType((String) row[1]));
			group.addPart().setName("to-level").setValue(new StringType(level((String) row[1])));
			group.addPart().setName("category").setValue(new StringType(ReferralCategory.valueOf((String) row[2]).code()));
			group.addPart().setName("state").setValue(new StringType(((String) row[3]).toLowerCase(Locale.ROOT)));
			group.addPart().setName("count").setValue(new IntegerType(Math.toIntExact((Long) row[4])));
			total += (Long) row[4];
		}
		out.addParameter().setName("total").setValue(new IntegerType(Math.toIntExact(total)));
		return out;
	}

	private String level(String hospital) {
		return directory.levelName(hospital);
	}
}
