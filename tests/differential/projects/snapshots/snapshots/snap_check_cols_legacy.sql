{% snapshot snap_check_cols_legacy %}
{{ config(
    target_schema='snapshots_legacy',
    unique_key='id',
    strategy='check',
    check_cols=['tier', 'email'],
) }}
-- check strategy on two columns; target_schema is used verbatim (no <target>_ prefix)
select id, name, email, tier from {{ ref('stg_customers') }}
{% endsnapshot %}
