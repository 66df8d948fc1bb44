package org.onetrip.server.signin;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Spring Authorization Server's tables (its JDBC stores' schema, as shipped in its jar), for PostgreSQL: text where
 * the shipped schema has blob (which PostgreSQL lacks), and scope columns as text (SMART scope lists run long).
 */
public class AuthorizationTables {

	public AuthorizationTables(JdbcTemplate jdbc) {
		jdbc.execute("CREATE TABLE IF NOT EXISTS oauth2_registered_client (id varchar(100) NOT NULL PRIMARY KEY, "
				+ "client_id varchar(100) NOT NULL UNIQUE, client_id_issued_at timestamp DEFAULT CURRENT_TIMESTAMP NOT NULL, "
				+ "client_secret varchar(200) DEFAULT NULL, client_secret_expires_at timestamp DEFAULT NULL, "
				+ "client_name varchar(200) NOT NULL, client_authentication_methods varchar(1000) NOT NULL, "
				+ "authorization_grant_types varchar(1000) NOT NULL, redirect_uris varchar(1000) DEFAULT NULL, "
				+ "post_logout_redirect_uris varchar(1000) DEFAULT NULL, scopes text NOT NULL, client_settings text NOT NULL, "
				+ "token_settings varchar(2000) NOT NULL)");
		jdbc.execute("CREATE TABLE IF NOT EXISTS oauth2_authorization (id varchar(100) NOT NULL PRIMARY KEY, "
				+ "registered_client_id varchar(100) NOT NULL, principal_name varchar(200) NOT NULL, "
				+ "authorization_grant_type varchar(100) NOT NULL, authorized_scopes text DEFAULT NULL, attributes text DEFAULT NULL, "
				+ "state varchar(500) DEFAULT NULL, authorization_code_value text DEFAULT NULL, "
				+ "authorization_code_issued_at timestamp DEFAULT NULL, authorization_code_expires_at timestamp DEFAULT NULL, "
				+ "authorization_code_metadata text DEFAULT NULL, access_token_value text DEFAULT NULL, "
				+ "access_token_issued_at timestamp DEFAULT NULL, access_token_expires_at timestamp DEFAULT NULL, "
				+ "access_token_metadata text DEFAULT NULL, access_token_type varchar(100) DEFAULT NULL, "
				+ "access_token_scopes text DEFAULT NULL, oidc_id_token_value text DEFAULT NULL, "
				+ "oidc_id_token_issued_at timestamp DEFAULT NULL, oidc_id_token_expires_at timestamp DEFAULT NULL, "
				+ "oidc_id_token_metadata text DEFAULT NULL, refresh_token_value text DEFAULT NULL, "
				+ "refresh_token_issued_at timestamp DEFAULT NULL, refresh_token_expires_at timestamp DEFAULT NULL, "
				+ "refresh_token_metadata text DEFAULT NULL, user_code_value text DEFAULT NULL, user_code_issued_at timestamp DEFAULT NULL, "
				+ "user_code_expires_at timestamp DEFAULT NULL, user_code_metadata text DEFAULT NULL, device_code_value text DEFAULT NULL, "
				+ "device_code_issued_at timestamp DEFAULT NULL, device_code_expires_at timestamp DEFAULT NULL, "
				+ "device_code_metadata text DEFAULT NULL)");
		// The stores look tokens up by value: without these, every token request reads the whole table.
		for (String column : new String[] {"state", "authorization_code_value", "access_token_value", "refresh_token_value",
				"oidc_id_token_value"}) {
			jdbc.execute("CREATE INDEX IF NOT EXISTS oauth2_authorization_" + column + " ON oauth2_authorization USING hash (" + column + ")");
		}
		jdbc.execute("CREATE INDEX IF NOT EXISTS oauth2_authorization_principal ON oauth2_authorization (principal_name, registered_client_id)");
		jdbc.execute("CREATE TABLE IF NOT EXISTS oauth2_authorization_consent (registered_client_id varchar(100) NOT NULL, "
				+ "principal_name varchar(200) NOT NULL, authorities text NOT NULL, PRIMARY KEY (registered_client_id, principal_name))");
	}
}
