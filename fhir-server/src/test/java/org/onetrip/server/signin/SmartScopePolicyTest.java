package org.onetrip.server.signin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which scopes a registration covers and a person may hold: the rules alone, no server. */
class SmartScopePolicyTest {

	@Test
	void aBroadRegisteredScopeCoversNarrowerOnesInV1AndV2() {
		List<String> registered = List.of("openid", "launch/patient", "patient/*.rs");
		assertThat(SmartScopePolicy.covers(registered, "patient/Observation.rs")).isTrue();
		assertThat(SmartScopePolicy.covers(registered, "patient/Observation.read")).isTrue();
		assertThat(SmartScopePolicy.covers(registered, "patient/Observation.r")).isTrue();
		assertThat(SmartScopePolicy.covers(registered, "openid")).isTrue();
		assertThat(SmartScopePolicy.covers(registered, "patient/Observation.cruds")).as("more than registered").isFalse();
		assertThat(SmartScopePolicy.covers(registered, "user/Observation.rs")).as("another context").isFalse();
		assertThat(SmartScopePolicy.covers(registered, "patient/Observation.rs?category=laboratory"))
				.as("a query-restricted scope is understood by no one here").isFalse();
		assertThat(SmartScopePolicy.covers(registered, "offline_access")).as("not registered").isFalse();
		assertThat(SmartScopePolicy.covers(List.of("patient/Observation.rs"), "patient/*.rs")).isFalse();
	}

	@Test
	void aPatientHoldsPatientScopesStaffUserScopesNobodySystemScopes() {
		assertThat(SmartScopePolicy.allowedFor(Account.Kind.PATIENT, "patient/*.rs")).isTrue();
		assertThat(SmartScopePolicy.allowedFor(Account.Kind.PATIENT, "user/*.rs")).isFalse();
		assertThat(SmartScopePolicy.allowedFor(Account.Kind.PRACTITIONER, "user/*.cruds")).isTrue();
		assertThat(SmartScopePolicy.allowedFor(Account.Kind.PRACTITIONER, "patient/*.rs")).isFalse();
		assertThat(SmartScopePolicy.allowedFor(Account.Kind.OPERATOR, "system/*.rs")).isFalse();
		assertThat(SmartScopePolicy.allowedFor(Account.Kind.PRACTITIONER, "launch")).isTrue();
		assertThat(SmartScopePolicy.allowedFor(Account.Kind.PATIENT, "offline_access")).isTrue();
	}

	@Test
	void aRefreshTokenOnlyWhenAskedForAndBackendServicesOnlySystemScopes() {
		assertThat(SmartScopePolicy.asksForRefresh(List.of("openid", "offline_access"))).isTrue();
		assertThat(SmartScopePolicy.asksForRefresh(List.of("openid", "online_access"))).isTrue();
		assertThat(SmartScopePolicy.asksForRefresh(List.of("openid", "patient/*.rs"))).isFalse();
		assertThat(SmartScopePolicy.isSystemScope("system/Patient.rs")).isTrue();
		assertThat(SmartScopePolicy.isSystemScope("user/Patient.rs")).isFalse();
		assertThat(SmartScopePolicy.isSystemScope("openid")).isFalse();
	}
}
