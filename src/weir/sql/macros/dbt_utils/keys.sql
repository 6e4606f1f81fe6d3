{#- Surrogate keys. -#}

{#-
    md5 of the fields cast to text and joined with '-'. A null field becomes
    '_dbt_utils_surrogate_key_null_' (or '' when the project sets the var
    surrogate_key_treat_nulls_as_empty_strings), so nulls still give a key.
-#}
{%- macro generate_surrogate_key(field_list) -%}
    {{ return(adapter.dispatch('generate_surrogate_key', 'dbt_utils')(field_list)) }}
{%- endmacro -%}

{%- macro default__generate_surrogate_key(field_list) -%}
    {%- if var('surrogate_key_treat_nulls_as_empty_strings', false) -%}
        {%- set null_text = '' -%}
    {%- else -%}
        {%- set null_text = '_dbt_utils_surrogate_key_null_' -%}
    {%- endif -%}
    {%- set parts = [] -%}
    {%- for field in field_list -%}
        {%- if not loop.first -%}
            {%- do parts.append("'-'") -%}
        {%- endif -%}
        {%- do parts.append("coalesce(cast(" ~ field ~ " as " ~ dbt.type_string() ~ "), '" ~ null_text ~ "')") -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro -%}


{#- Removed in dbt_utils 1.0: fail the same way, pointing at the replacement. -#}
{%- macro surrogate_key(field_list) -%}
    {{ exceptions.raise_compiler_error(
        "dbt_utils.surrogate_key has been replaced by dbt_utils.generate_surrogate_key, which hashes "
        ~ "nulls differently from empty strings. To keep the old hashes, set the var "
        ~ "surrogate_key_treat_nulls_as_empty_strings: true in dbt_project.yml."
    ) }}
{%- endmacro -%}
