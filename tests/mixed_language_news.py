"""Short news items in five languages, written for these tests, for mixed-language streams.

A Berlin, Madrid, Naples, Porto Alegre or Rotterdam newsroom follows a story in its own
language while most of its feeds are English wires. Each language (German, Spanish,
Italian, Portuguese, Dutch) has one story (``*_STORY``: the reports in the order they were
published, the first ones are a story's seeds) and unrelated news on other subjects in the
same language (``*_OTHER``), which must stay off-topic however many function words
("der", "und", "que", "los", "della", "os", "het") they share with the story.

Items are ``(headline, body)`` pairs.
"""

from __future__ import annotations

# A bridge collapse in Dresden.
DE_STORY: tuple[tuple[str, str], ...] = (
    (
        "Carolabrücke in Dresden teilweise eingestürzt",
        "In Dresden ist in der Nacht ein Teil der Carolabrücke in die Elbe gestürzt. "
        "Verletzt wurde nach Angaben der Feuerwehr niemand, weil zum Zeitpunkt des "
        "Einsturzes keine Straßenbahn auf der Brücke unterwegs war. Die Stadt sperrte den "
        "Bereich um die Brücke weiträumig ab.",
    ),
    (
        "Einsturz der Carolabrücke: Fernwärmeleitungen beschädigt",
        "Beim Einsturz der Carolabrücke in Dresden sind auch zwei Fernwärmeleitungen "
        "beschädigt worden. Die Dresdner Verkehrsbetriebe leiten ihre Straßenbahnen über "
        "andere Elbbrücken um. Ein Sprecher der Stadt sagte, die Ursache des Einsturzes sei "
        "noch völlig unklar.",
    ),
    (
        "Dresden: Feuerwehr sichert Trümmer der Carolabrücke",
        "Die Feuerwehr hat am Vormittag begonnen, die Trümmer der eingestürzten "
        "Carolabrücke in der Elbe zu sichern. Ein Statiker der Stadt Dresden warnte, auch "
        "die übrigen Brückenzüge könnten einsturzgefährdet sein. Der Schiffsverkehr auf der "
        "Elbe wurde eingestellt.",
    ),
    (
        "Carolabrücke: Korrosion als mögliche Ursache des Einsturzes",
        "Nach dem Einsturz der Carolabrücke in Dresden prüfen Experten, ob Korrosion an den "
        "Spannstählen die Ursache war. Die Brücke aus dem Jahr 1971 sollte ohnehin saniert "
        "werden, sagte der Baubürgermeister von Dresden. Die Staatsanwaltschaft hat ein "
        "Prüfverfahren eingeleitet.",
    ),
    (
        "Hochwasser droht: Abriss der Carolabrücke soll schneller beginnen",
        "Wegen eines erwarteten Hochwassers der Elbe will die Stadt Dresden mit dem Abriss "
        "der eingestürzten Carolabrücke schneller beginnen. Bagger und Pioniere der "
        "Bundeswehr sollen die Trümmer am Neustädter Ufer bis zum Wochenende räumen.",
    ),
    (
        "Sprengung an der Carolabrücke: Brückenzug kontrolliert abgerissen",
        "An der Carolabrücke in Dresden ist ein weiterer Brückenzug kontrolliert gesprengt "
        "worden. Die Stadt hatte die Anwohner am Terrassenufer am Morgen gebeten, ihre "
        "Wohnungen zu verlassen. Die Sprengung verlief nach Angaben der Feuerwehr ohne "
        "Zwischenfälle.",
    ),
    (
        "Gutachten: Spannstähle der Carolabrücke waren stark korrodiert",
        "Ein erstes Gutachten bestätigt, dass die Spannstähle der Dresdner Carolabrücke "
        "durch Chlorid stark korrodiert waren. Der Gutachter sprach von einem Versagen, das "
        "bei den regelmäßigen Prüfungen kaum zu erkennen gewesen sei. Die Stadt will nun "
        "alle Brücken aus Spannbeton untersuchen lassen.",
    ),
    (
        "Nach Brückeneinsturz in Dresden: Straßenbahnen fahren wieder über Augustusbrücke",
        "Zwei Wochen nach dem Einsturz der Carolabrücke fahren die Straßenbahnen der "
        "Dresdner Verkehrsbetriebe wieder regulär durch die Altstadt. Die Linien 3 und 7 "
        "nutzen nun die Augustusbrücke. Pendler müssen trotzdem mit längeren Fahrzeiten "
        "rechnen.",
    ),
    (
        "Carolabrücke: Stadtrat streitet über Neubau",
        "Der Dresdner Stadtrat hat über einen Neubau der eingestürzten Carolabrücke "
        "gestritten. Die Grünen wollen eine schmalere Brücke für Straßenbahnen, Radfahrer "
        "und Fußgänger, die CDU fordert wieder vier Fahrspuren für Autos. Eine Entscheidung "
        "soll im Frühjahr fallen.",
    ),
    (
        "Bund sagt Dresden Hilfe für neue Carolabrücke zu",
        "Der Bundesverkehrsminister hat der Stadt Dresden finanzielle Hilfe für den Neubau "
        "der Carolabrücke zugesagt. Die Kosten werden auf mehr als 100 Millionen Euro "
        "geschätzt. Bis die neue Brücke über die Elbe fertig ist, dürften mehrere Jahre "
        "vergehen.",
    ),
)

DE_OTHER: tuple[tuple[str, str], ...] = (
    (
        "Bundestag beschließt Reform des Wahlrechts",
        "Der Bundestag hat mit den Stimmen der Koalition eine Reform des Wahlrechts "
        "beschlossen. Die Zahl der Abgeordneten soll damit dauerhaft auf 630 begrenzt "
        "werden. Die Opposition kündigte eine Klage vor dem Bundesverfassungsgericht an.",
    ),
    (
        "Bayern München gewinnt das Spitzenspiel gegen Dortmund",
        "Der FC Bayern München hat das Spitzenspiel der Bundesliga gegen Borussia Dortmund "
        "mit drei zu eins gewonnen. Harry Kane traf zweimal, die Dortmunder kamen erst in "
        "der Nachspielzeit zu ihrem Tor.",
    ),
    (
        "Inflation in Deutschland sinkt auf zwei Prozent",
        "Die Inflationsrate in Deutschland ist im Oktober auf zwei Prozent gesunken, teilte "
        "das Statistische Bundesamt in Wiesbaden mit. Vor allem Energie und Heizöl wurden "
        "billiger, Lebensmittel kosteten dagegen mehr als im Vorjahr.",
    ),
    (
        "Unwetter in Baden-Württemberg: Keller überflutet",
        "Heftige Gewitter haben in Baden-Württemberg zahlreiche Keller überflutet und Bäume "
        "entwurzelt. Die Feuerwehr war die ganze Nacht im Einsatz, verletzt wurde nach "
        "ersten Angaben niemand.",
    ),
    (
        "Neues Museum für moderne Kunst in Hamburg eröffnet",
        "In der Hamburger Hafencity hat ein neues Museum für moderne Kunst eröffnet. Der "
        "Bürgermeister sprach von einem Gewinn für die ganze Stadt, die Eintrittspreise "
        "sorgten dagegen für Kritik.",
    ),
    (
        "Lufthansa streicht Flüge wegen Warnstreiks",
        "Wegen eines Warnstreiks des Bodenpersonals streicht die Lufthansa am Mittwoch "
        "zahlreiche Flüge in Frankfurt und München. Die Gewerkschaft Verdi fordert mehr "
        "Lohn und kürzere Arbeitszeiten für die Beschäftigten.",
    ),
    (
        "Bundesregierung einigt sich auf Haushalt",
        "Nach wochenlangem Streit hat sich die Bundesregierung auf den Haushalt für das "
        "kommende Jahr geeinigt. Der Finanzminister sagte, die Schuldenbremse werde "
        "eingehalten, bei der Bahn und der Bundeswehr wird aber nicht gespart.",
    ),
    (
        "Polizei nimmt mutmaßlichen Betrüger in Köln fest",
        "Die Polizei hat in Köln einen Mann festgenommen, der sich am Telefon als Polizist "
        "ausgegeben und Senioren um ihr Erspartes gebracht haben soll. Die Ermittler fanden "
        "in seiner Wohnung Bargeld und Schmuck.",
    ),
    (
        "Volkswagen kündigt Stellenabbau in Wolfsburg an",
        "Der Volkswagen-Konzern will in den kommenden Jahren Tausende Stellen in der "
        "Verwaltung abbauen. Der Betriebsrat kündigte Widerstand an und sprach von einem "
        "Bruch der Vereinbarungen mit der Belegschaft.",
    ),
    (
        "Waldbrand im Harz weitgehend unter Kontrolle",
        "Der Waldbrand am Brocken im Harz ist nach Angaben des Landkreises weitgehend unter "
        "Kontrolle. Hubschrauber der Bundespolizei hatten zwei Tage lang Wasser über dem "
        "Gebiet abgeworfen, die Brockenbahn fährt wieder.",
    ),
    (
        "Deutsche Bahn meldet mehr Verspätungen",
        "Die Deutsche Bahn ist im vergangenen Monat so unpünktlich gewesen wie lange nicht. "
        "Nur etwa 60 Prozent der Fernzüge kamen pünktlich an, teilte der Konzern mit, und "
        "nannte Baustellen und alte Stellwerke als Gründe.",
    ),
    (
        "Landtagswahl in Thüringen: Ergebnisse am Abend",
        "In Thüringen wird an diesem Sonntag ein neuer Landtag gewählt. Die Wahllokale sind "
        "bis 18 Uhr geöffnet, erste Hochrechnungen werden für den frühen Abend erwartet. Die "
        "Wahlbeteiligung lag am Mittag höher als vor fünf Jahren.",
    ),
    (
        "Berliner Philharmoniker gehen auf Asien-Tournee",
        "Die Berliner Philharmoniker brechen zu einer Tournee durch Japan, Südkorea und "
        "Taiwan auf. Auf dem Programm stehen Werke von Brahms und Mahler, die Konzerte in "
        "Tokio sind seit Wochen ausverkauft.",
    ),
    (
        "Mietpreise in Großstädten steigen weiter",
        "Die Mieten in den deutschen Großstädten sind im vergangenen Jahr erneut gestiegen. "
        "Am teuersten bleibt München, in Berlin legten die Angebotsmieten am stärksten zu, "
        "wie eine Auswertung eines Immobilienportals zeigt.",
    ),
    (
        "Gericht kippt Tempolimit auf Stadtautobahn",
        "Das Verwaltungsgericht hat ein Tempolimit von 60 Kilometern pro Stunde auf einer "
        "Stadtautobahn in Stuttgart gekippt. Die Stadt habe die Belastung mit Stickoxiden "
        "nicht ausreichend begründet, urteilten die Richter.",
    ),
    (
        "Zahl der Asylanträge geht zurück",
        "Die Zahl der Asylanträge in Deutschland ist im ersten Halbjahr deutlich "
        "zurückgegangen. Das Bundesamt für Migration und Flüchtlinge zählte rund ein Viertel "
        "weniger Erstanträge als im Vorjahreszeitraum.",
    ),
    (
        "Handball-Nationalmannschaft zieht ins Halbfinale ein",
        "Die deutsche Handball-Nationalmannschaft hat das Halbfinale der Europameisterschaft "
        "erreicht. Gegen Frankreich gewann die Mannschaft von Bundestrainer Alfred Gislason "
        "nach einer starken zweiten Halbzeit mit 30 zu 27.",
    ),
    (
        "Hitzewelle: Wetterdienst warnt vor über 35 Grad",
        "Der Deutsche Wetterdienst warnt für das Wochenende vor großer Hitze im Süden und "
        "Osten des Landes. In Teilen von Brandenburg und Sachsen sollen die Temperaturen auf "
        "mehr als 35 Grad steigen, die Waldbrandgefahr ist hoch.",
    ),
    (
        "Siemens steigert Gewinn deutlich",
        "Der Technologiekonzern Siemens hat im abgelaufenen Quartal deutlich mehr verdient "
        "als erwartet. Vor allem das Geschäft mit der Automatisierung von Fabriken lief gut, "
        "die Aktie stieg an der Börse in Frankfurt um vier Prozent.",
    ),
    (
        "Ärztestreik: Kliniken verschieben Operationen",
        "Wegen eines Warnstreiks der Ärzte an kommunalen Kliniken werden in vielen Städten "
        "planbare Operationen verschoben. Der Marburger Bund verlangt höhere Gehälter und "
        "weniger Bereitschaftsdienste für die Ärztinnen und Ärzte.",
    ),
    (
        "Wolf reißt Schafe in Niedersachsen",
        "In Niedersachsen hat ein Wolf auf einer Weide mehrere Schafe gerissen. Die "
        "Schäfer fordern, dass einzelne Wölfe schneller geschossen werden dürfen, der "
        "Umweltminister will zunächst die Untersuchung abwarten.",
    ),
    (
        "Oktoberfest endet mit weniger Besuchern",
        "Das Oktoberfest in München ist mit weniger Besuchern als im Vorjahr zu Ende "
        "gegangen. Die Wiesn-Wirte zeigten sich trotzdem zufrieden, die Polizei sprach von "
        "einem friedlichen Fest mit wenigen Einsätzen.",
    ),
    (
        "Neue Regeln für das Bürgergeld",
        "Für Empfänger des Bürgergelds gelten vom kommenden Jahr an strengere Regeln. Wer "
        "eine zumutbare Arbeit ablehnt, dem kann die Leistung deutlich gekürzt werden, wie "
        "das Arbeitsministerium mitteilte.",
    ),
    (
        "Schülerin gewinnt Bundeswettbewerb Jugend forscht",
        "Eine 17 Jahre alte Schülerin aus Leipzig hat den Bundeswettbewerb Jugend forscht "
        "gewonnen. Sie entwickelte einen Sensor, der Mikroplastik im Wasser erkennen kann, "
        "und erhielt dafür den Preis der Bundeskanzlerin.",
    ),
    (
        "Autobahn 7 nach Unfall stundenlang gesperrt",
        "Nach einem Unfall mit einem Lastwagen ist die Autobahn 7 bei Hamburg in Richtung "
        "Norden stundenlang gesperrt gewesen. Der Fahrer wurde leicht verletzt, auf der "
        "Umleitung bildeten sich lange Staus.",
    ),
)

# A forest fire on Tenerife.
ES_STORY: tuple[tuple[str, str], ...] = (
    (
        "Un incendio forestal en Tenerife obliga a desalojar varios pueblos",
        "Un incendio forestal declarado en el norte de Tenerife ha obligado a desalojar a "
        "cientos de vecinos de Arafo y Candelaria. El Gobierno de Canarias ha pedido la "
        "ayuda de la Unidad Militar de Emergencias, porque las llamas avanzan sin control "
        "por el monte.",
    ),
    (
        "El fuego de Tenerife ya ha quemado más de 3.000 hectáreas",
        "El incendio de Tenerife ha arrasado ya más de 3.000 hectáreas de pinar, según el "
        "Cabildo. Los medios aéreos no pudieron volar durante la noche y los bomberos "
        "trabajan para evitar que las llamas lleguen a las casas de La Esperanza.",
    ),
    (
        "Canarias pide ayuda al Estado para frenar el incendio de Tenerife",
        "El presidente de Canarias, Fernando Clavijo, ha pedido más medios al Gobierno para "
        "frenar el incendio de Tenerife, que considera el más complejo de los últimos "
        "cuarenta años en las islas. Ya son más de 4.000 los vecinos desalojados.",
    ),
    (
        "Las llamas avanzan hacia el Parque Nacional del Teide",
        "El incendio forestal de Tenerife avanza hacia el Parque Nacional del Teide, donde "
        "se ha cerrado el acceso a los visitantes. Los hidroaviones del Ministerio de "
        "Defensa siguen descargando agua sobre el pinar de La Orotava.",
    ),
    (
        "Tenerife: la Guardia Civil investiga si el incendio fue intencionado",
        "La Guardia Civil investiga si el incendio forestal de Tenerife fue provocado. "
        "Clavijo ha confirmado que los investigadores encontraron indicios de que el fuego "
        "se inició en varios puntos a la vez en el monte de Arafo.",
    ),
    (
        "Los vecinos desalojados de Tenerife empiezan a volver a casa",
        "Miles de vecinos desalojados por el incendio de Tenerife han podido volver a sus "
        "casas en Candelaria y El Rosario. El Cabildo ha advertido de que el fuego sigue "
        "activo en las cumbres y que las carreteras del monte siguen cortadas.",
    ),
    (
        "El incendio de Tenerife, estabilizado tras doce días",
        "El Cabildo de Tenerife ha dado por estabilizado el incendio forestal que ha "
        "quemado casi 15.000 hectáreas de la isla. Los bomberos seguirán vigilando el "
        "perímetro durante semanas, porque el pinar canario puede rebrotar las llamas.",
    ),
    (
        "El Gobierno declara zona catastrófica el área del incendio de Tenerife",
        "El Consejo de Ministros ha declarado zona afectada gravemente por una emergencia "
        "el área quemada por el incendio de Tenerife. Los agricultores y ganaderos de "
        "Arafo y La Orotava podrán pedir ayudas para reparar los daños.",
    ),
    (
        "Detenido un hombre por provocar el incendio de Tenerife",
        "La Guardia Civil ha detenido a un hombre de 50 años como presunto autor del "
        "incendio forestal de Tenerife. Según los investigadores, el detenido habría "
        "prendido fuego al monte de Arafo en varios lugares la misma noche.",
    ),
    (
        "El pinar quemado de Tenerife empieza a rebrotar",
        "Dos meses después del incendio, los pinos canarios del monte de Arafo ya muestran "
        "los primeros brotes verdes. Los técnicos del Cabildo de Tenerife creen que el "
        "bosque se recuperará en pocos años gracias a la resistencia del pino canario.",
    ),
)

ES_OTHER: tuple[tuple[str, str], ...] = (
    (
        "El Congreso aprueba la reforma de las pensiones",
        "El Congreso de los Diputados ha aprobado la reforma de las pensiones con los votos "
        "del Gobierno y sus socios. La oposición critica que la subida de las cotizaciones "
        "recaerá sobre las empresas y los trabajadores.",
    ),
    (
        "El Real Madrid gana al Barcelona en el Bernabéu",
        "El Real Madrid ha ganado al Barcelona por dos goles a uno en el Santiago Bernabéu. "
        "Vinícius marcó el gol de la victoria en el último minuto y el equipo blanco es "
        "líder de la Liga con cuatro puntos de ventaja.",
    ),
    (
        "La inflación baja al 2,8 % en octubre",
        "La inflación ha bajado en octubre hasta el 2,8 %, según el dato adelantado del "
        "Instituto Nacional de Estadística. El abaratamiento de la luz y de los carburantes "
        "explica la mayor parte del descenso de los precios.",
    ),
    (
        "Una DANA deja fuertes lluvias en Valencia",
        "Una DANA ha dejado fuertes lluvias en la Comunidad Valenciana, donde se han "
        "suspendido las clases en varios municipios. Los servicios de emergencia han "
        "rescatado a varios conductores atrapados por el agua.",
    ),
    (
        "El Prado inaugura una exposición sobre Goya",
        "El Museo del Prado ha inaugurado una gran exposición sobre los dibujos de Goya. La "
        "muestra reúne más de cien obras, algunas de ellas nunca vistas por el público, y "
        "estará abierta hasta el mes de marzo.",
    ),
    (
        "Huelga de pilotos: Iberia cancela vuelos",
        "Iberia ha cancelado decenas de vuelos por la huelga de pilotos convocada por el "
        "sindicato Sepla. Los pasajeros afectados podrán cambiar su billete sin coste o "
        "pedir la devolución del importe.",
    ),
    (
        "El Gobierno presenta los Presupuestos del próximo año",
        "La ministra de Hacienda ha presentado en el Congreso los Presupuestos Generales "
        "del Estado para el próximo año. Las cuentas incluyen más gasto en vivienda y en "
        "defensa, y una subida del sueldo de los funcionarios.",
    ),
    (
        "La Policía detiene a una banda de estafadores en Sevilla",
        "La Policía Nacional ha detenido en Sevilla a once personas acusadas de estafar a "
        "personas mayores por teléfono. Los detenidos se hacían pasar por empleados de un "
        "banco para conseguir las claves de sus víctimas.",
    ),
    (
        "Seat anuncia un nuevo coche eléctrico en Martorell",
        "Seat fabricará en su planta de Martorell un nuevo coche eléctrico a partir del "
        "próximo año. La empresa invertirá más de 3.000 millones de euros y creará cientos "
        "de empleos, según anunció su presidente.",
    ),
    (
        "El paro baja en septiembre en 20.000 personas",
        "El número de parados registrados en las oficinas de empleo bajó en septiembre en "
        "20.000 personas, según el Ministerio de Trabajo. La afiliación a la Seguridad "
        "Social alcanzó un nuevo récord de 21 millones de trabajadores.",
    ),
    (
        "Elecciones en Galicia: el PP mantiene la mayoría absoluta",
        "El Partido Popular ha revalidado la mayoría absoluta en las elecciones gallegas. "
        "El BNG se convierte en la segunda fuerza del Parlamento de Galicia y el PSOE "
        "obtiene el peor resultado de su historia en la comunidad.",
    ),
    (
        "Nadal anuncia su retirada del tenis",
        "Rafa Nadal ha anunciado que se retirará del tenis profesional después de la Copa "
        "Davis. El mallorquín, ganador de 22 torneos del Grand Slam, explicó en un vídeo "
        "que su cuerpo ya no le permite competir al máximo nivel.",
    ),
    (
        "El precio del alquiler sigue subiendo en Madrid y Barcelona",
        "El precio del alquiler ha vuelto a subir en Madrid y Barcelona, donde un piso "
        "medio cuesta ya más de 1.200 euros al mes. Los jóvenes son los más afectados por "
        "la falta de vivienda asequible.",
    ),
    (
        "Un tribunal anula la multa a una empresa eléctrica",
        "El Tribunal Supremo ha anulado la multa de cinco millones de euros que la CNMC "
        "impuso a una empresa eléctrica. Los jueces consideran que el organismo no probó "
        "que la compañía manipulara los precios del mercado.",
    ),
    (
        "Llegan más de 500 migrantes a Canarias en un fin de semana",
        "Más de 500 migrantes han llegado a las costas de El Hierro y Lanzarote a bordo de "
        "varios cayucos durante el fin de semana. Salvamento Marítimo rescató a la mayoría "
        "de ellos en alta mar.",
    ),
    (
        "La selección española gana la Liga de Naciones",
        "La selección española de fútbol ha ganado la Liga de Naciones tras vencer a "
        "Croacia en la tanda de penaltis. Unai Simón fue el héroe de la final con dos "
        "paradas decisivas.",
    ),
    (
        "Ola de calor: Aemet activa la alerta roja en Córdoba",
        "La Agencia Estatal de Meteorología ha activado la alerta roja en la campiña de "
        "Córdoba, donde se esperan hasta 44 grados. Sanidad recomienda evitar la actividad "
        "física en las horas centrales del día.",
    ),
    (
        "Inditex dispara su beneficio en el primer semestre",
        "Inditex ganó 2.700 millones de euros en el primer semestre, un diez por ciento más "
        "que hace un año. Las ventas de Zara crecieron en todos los mercados y las acciones "
        "de la empresa subieron en la Bolsa de Madrid.",
    ),
    (
        "Los médicos de Madrid convocan una huelga indefinida",
        "Los médicos de atención primaria de Madrid han convocado una huelga indefinida a "
        "partir del lunes. Reclaman más tiempo para cada paciente y un límite de consultas "
        "diarias en los centros de salud.",
    ),
    (
        "Un lobo ataca un rebaño de ovejas en Ávila",
        "Un lobo ha matado a doce ovejas en una explotación ganadera de la provincia de "
        "Ávila. Los ganaderos piden a la Junta de Castilla y León que pague las "
        "indemnizaciones con más rapidez.",
    ),
    (
        "Las Fallas reciben a más visitantes que nunca",
        "Las Fallas de Valencia han recibido este año a más visitantes que nunca, según el "
        "Ayuntamiento. La cremà de la falla municipal puso fin a cinco días de fiesta con "
        "pocos incidentes.",
    ),
    (
        "Nuevas ayudas para el transporte público",
        "El Gobierno mantendrá los descuentos en el transporte público durante todo el "
        "próximo año. Los abonos de Cercanías y Media Distancia seguirán siendo gratuitos "
        "para los viajeros frecuentes.",
    ),
    (
        "Una estudiante de Zaragoza gana un premio europeo de ciencia",
        "Una estudiante de 17 años de Zaragoza ha ganado un premio europeo de jóvenes "
        "científicos. Su proyecto detecta microplásticos en el agua con un sensor barato "
        "que ella misma ha diseñado.",
    ),
    (
        "Cortada la autovía A-4 por un accidente de un camión",
        "La autovía A-4 ha permanecido cortada durante horas en Despeñaperros por el "
        "accidente de un camión. El conductor resultó herido leve y se formaron colas de "
        "varios kilómetros en dirección a Madrid.",
    ),
)

# An earthquake at the Campi Flegrei, near Naples.
IT_STORY: tuple[tuple[str, str], ...] = (
    (
        "Terremoto ai Campi Flegrei, scossa di magnitudo 4,4 a Pozzuoli",
        "Una scossa di terremoto di magnitudo 4,4 è stata avvertita nella notte ai Campi "
        "Flegrei, con epicentro a Pozzuoli. Molte persone sono scese in strada per la paura. "
        "Secondo la Protezione civile non ci sono feriti gravi, ma alcuni edifici hanno subito "
        "danni.",
    ),
    (
        "Campi Flegrei, scuole chiuse a Pozzuoli dopo la scossa",
        "Il sindaco di Pozzuoli ha deciso di chiudere tutte le scuole per due giorni dopo il "
        "terremoto della notte. I vigili del fuoco stanno controllando gli edifici danneggiati "
        "nel centro storico e nel Rione Terra.",
    ),
    (
        "Bradisismo ai Campi Flegrei: il suolo si alza di due centimetri al mese",
        "Secondo l'Osservatorio Vesuviano il suolo dei Campi Flegrei continua a sollevarsi di "
        "circa due centimetri al mese. Gli esperti dell'Istituto nazionale di geofisica e "
        "vulcanologia spiegano che il bradisismo è la causa delle scosse sempre più forti a "
        "Pozzuoli e Bagnoli.",
    ),
    (
        "Pozzuoli, decine di famiglie sfollate dopo il terremoto",
        "Sono decine le famiglie di Pozzuoli che non possono rientrare nelle loro case dopo la "
        "scossa di magnitudo 4,4. Il Comune ha allestito un centro di accoglienza in una "
        "palestra, mentre i vigili del fuoco verificano la stabilità delle palazzine "
        "lesionate.",
    ),
    (
        "Campi Flegrei, il governo stanzia fondi per le case di Pozzuoli",
        "Il Consiglio dei ministri ha approvato un decreto per i Campi Flegrei: fondi per "
        "controllare la vulnerabilità degli edifici di Pozzuoli e Bacoli e per aggiornare il "
        "piano di evacuazione. Il ministro per la Protezione civile ha parlato di una priorità "
        "nazionale.",
    ),
    (
        "Nuova scossa ai Campi Flegrei, paura a Bagnoli",
        "Una nuova scossa di magnitudo 3,2 è stata registrata questa mattina ai Campi Flegrei. "
        "Il terremoto è stato avvertito distintamente a Pozzuoli e nel quartiere napoletano di "
        "Bagnoli, dove alcune persone sono uscite di casa. Non si segnalano danni.",
    ),
    (
        "Pozzuoli, riaprono le scuole dopo i controlli",
        "Dopo le verifiche dei vigili del fuoco, le scuole di Pozzuoli riaprono lunedì, tranne "
        "due istituti del centro che hanno subito lesioni durante il terremoto. Gli studenti "
        "di questi edifici seguiranno le lezioni in altre sedi.",
    ),
    (
        "Campi Flegrei, esercitazione di evacuazione per migliaia di residenti",
        "Migliaia di residenti di Pozzuoli e Bacoli hanno partecipato a un'esercitazione della "
        "Protezione civile per provare il piano di evacuazione dei Campi Flegrei in caso di "
        "eruzione. I pullman hanno portato i cittadini verso le aree di attesa.",
    ),
    (
        "Bradisismo, l'Osservatorio Vesuviano: il sollevamento rallenta",
        "Il sollevamento del suolo ai Campi Flegrei sta rallentando, secondo l'ultimo "
        "bollettino dell'Osservatorio Vesuviano. Nelle ultime settimane le scosse a Pozzuoli "
        "sono state meno numerose, ma gli esperti invitano a non abbassare la guardia.",
    ),
    (
        "Sfollati di Pozzuoli, arriva il contributo per l'affitto",
        "Le famiglie sfollate di Pozzuoli dopo il terremoto riceveranno un contributo mensile "
        "per pagare l'affitto di un'altra casa. La Regione Campania ha stanziato i fondi, "
        "mentre i tecnici continuano a controllare le palazzine lesionate dalle scosse.",
    ),
)

IT_OTHER: tuple[tuple[str, str], ...] = (
    (
        "La Camera approva la legge di bilancio",
        "La Camera dei deputati ha approvato la legge di bilancio con i voti della "
        "maggioranza. Il testo passa ora al Senato, che dovrà dare il via libera definitivo "
        "entro la fine dell'anno. L'opposizione critica i tagli alla sanità.",
    ),
    (
        "L'Inter vince il derby contro il Milan",
        "L'Inter ha battuto il Milan per due a uno nel derby di San Siro. Lautaro Martinez ha "
        "segnato il gol della vittoria nel secondo tempo, e la squadra di Inzaghi resta in "
        "testa alla classifica della Serie A.",
    ),
    (
        "Istat, l'inflazione scende all'1,5 per cento",
        "L'inflazione in Italia è scesa all'1,5 per cento a ottobre, secondo le stime "
        "preliminari dell'Istat. Calano i prezzi dell'energia, mentre quelli dei prodotti "
        "alimentari continuano a salire.",
    ),
    (
        "Maltempo in Liguria, allerta rossa a Genova",
        "Forti piogge hanno colpito la Liguria, dove è stata dichiarata l'allerta rossa. A "
        "Genova sono state chiuse le scuole e i vigili del fuoco hanno soccorso alcuni "
        "automobilisti bloccati nei sottopassi allagati.",
    ),
    (
        "Riaprono le sale degli Uffizi dopo i lavori",
        "La Galleria degli Uffizi di Firenze ha riaperto al pubblico le sale del primo piano "
        "dopo due anni di lavori. Il direttore ha annunciato nuovi orari di apertura serale "
        "durante l'estate.",
    ),
    (
        "Sciopero dei treni, disagi in tutta Italia",
        "Uno sciopero nazionale del personale ferroviario ha causato la cancellazione di "
        "centinaia di treni. I sindacati chiedono aumenti salariali e più sicurezza per i "
        "capotreno, dopo alcune aggressioni a bordo.",
    ),
    (
        "Milano, arrestato un truffatore che si fingeva carabiniere",
        "I carabinieri hanno arrestato a Milano un uomo accusato di aver truffato decine di "
        "anziani. Al telefono si presentava come un militare e chiedeva soldi e gioielli per "
        "aiutare un parente in difficoltà.",
    ),
    (
        "Stellantis, nuova cassa integrazione a Mirafiori",
        "Stellantis ha annunciato nuove settimane di cassa integrazione per i lavoratori dello "
        "stabilimento di Mirafiori a Torino. I sindacati chiedono un incontro urgente al "
        "governo sul futuro dell'auto in Italia.",
    ),
    (
        "Incendio in Sardegna, bruciati centinaia di ettari",
        "Un incendio ha distrutto centinaia di ettari di macchia mediterranea nel nord della "
        "Sardegna. I canadair hanno lavorato tutto il giorno e alcune villette sono state "
        "evacuate per precauzione.",
    ),
    (
        "Il Giro d'Italia partirà dall'Albania",
        "Il Giro d'Italia del prossimo anno partirà da Durazzo, in Albania, con tre tappe "
        "prima di rientrare in Italia. Gli organizzatori hanno presentato il percorso, che si "
        "concluderà come sempre a Roma.",
    ),
    (
        "Affitti, a Milano prezzi record",
        "Gli affitti a Milano hanno raggiunto un nuovo record, con una media di oltre 22 euro "
        "al metro quadro, secondo un rapporto di un portale immobiliare. Gli studenti "
        "universitari sono i più colpiti dal caro casa.",
    ),
    (
        "Mancano migliaia di medici di famiglia",
        "In Italia mancano migliaia di medici di famiglia e molti pazienti restano senza "
        "assistenza, denuncia la Federazione dei medici. Nei prossimi anni andranno in "
        "pensione oltre diecimila professionisti.",
    ),
    (
        "Sbarchi a Lampedusa, oltre 800 migranti in un giorno",
        "Più di 800 migranti sono sbarcati a Lampedusa in ventiquattro ore, a bordo di piccole "
        "imbarcazioni partite dalla Tunisia e dalla Libia. L'hotspot dell'isola è di nuovo "
        "sovraffollato.",
    ),
    (
        "Sinner vince le ATP Finals a Torino",
        "Jannik Sinner ha vinto le ATP Finals di Torino battendo in finale Taylor Fritz in due "
        "set. Il tennista altoatesino chiude la stagione da numero uno del mondo.",
    ),
    (
        "Caldo record in Sicilia, oltre i 45 gradi",
        "Un'ondata di calore ha portato le temperature oltre i 45 gradi in alcune zone della "
        "Sicilia. Il ministero della Salute ha diffuso il bollino rosso per Palermo e Catania "
        "e consiglia di non uscire nelle ore più calde.",
    ),
    (
        "Ferrari, utile in crescita nel terzo trimestre",
        "La Ferrari ha chiuso il terzo trimestre con un utile in crescita del 7 per cento, "
        "grazie alle consegne delle nuove vetture sportive. Il titolo è salito alla Borsa di "
        "Milano.",
    ),
    (
        "Lupo attacca un gregge in Trentino",
        "Un lupo ha ucciso una decina di pecore in un alpeggio del Trentino. Gli allevatori "
        "chiedono alla Provincia di Trento di intervenire con più rapidità e di pagare i "
        "risarcimenti.",
    ),
    (
        "Venezia conferma il ticket d'ingresso per i turisti",
        "Il Comune di Venezia ha confermato il ticket d'accesso per i turisti giornalieri "
        "anche per il prossimo anno. Il contributo costerà fino a dieci euro nei giorni di "
        "maggiore afflusso.",
    ),
    (
        "Una studentessa di Bologna vince un premio europeo di scienza",
        "Una studentessa di diciassette anni di Bologna ha vinto un premio europeo per giovani "
        "scienziati. Il suo progetto usa un sensore economico per trovare microplastiche "
        "nell'acqua.",
    ),
    (
        "Incidente sull'A1, autostrada chiusa per ore",
        "Un incidente tra un camion e due auto ha bloccato per ore l'autostrada A1 tra Firenze "
        "e Bologna. L'autista del camion è rimasto ferito in modo lieve, si sono formate code "
        "di diversi chilometri.",
    ),
    (
        "Regionali in Liguria, vince il centrodestra",
        "Il candidato del centrodestra ha vinto le elezioni regionali in Liguria con un "
        "margine ristretto. L'affluenza è stata inferiore al 50 per cento, in calo rispetto a "
        "cinque anni fa.",
    ),
    (
        "Pensioni, il governo conferma l'aumento delle minime",
        "Il governo ha confermato un piccolo aumento delle pensioni minime a partire da "
        "gennaio. I sindacati giudicano la misura insufficiente di fronte al costo della vita.",
    ),
)

# Floods in Rio Grande do Sul, Brazil.
PT_STORY: tuple[tuple[str, str], ...] = (
    (
        "Chuvas no Rio Grande do Sul deixam mortos e milhares de desalojados",
        "As fortes chuvas que atingem o Rio Grande do Sul desde segunda-feira já deixaram pelo "
        "menos dez mortos, segundo a Defesa Civil. Milhares de pessoas tiveram que deixar suas "
        "casas no Vale do Taquari, onde os rios subiram vários metros em poucas horas.",
    ),
    (
        "Guaíba sobe e ameaça inundar o centro de Porto Alegre",
        "O nível do Guaíba ultrapassou a cota de inundação e continua subindo, informou a "
        "prefeitura de Porto Alegre. A água já invadiu ruas do centro histórico e o governo do "
        "estado pediu que os moradores das áreas baixas saiam de casa enquanto ainda é "
        "possível.",
    ),
    (
        "Aeroporto de Porto Alegre suspende voos por causa das enchentes",
        "O aeroporto Salgado Filho, em Porto Alegre, suspendeu todos os voos depois que a água "
        "das enchentes chegou à pista. Não há previsão de reabertura, segundo a "
        "concessionária.",
    ),
    (
        "Governo federal envia Forças Armadas ao Rio Grande do Sul",
        "O governo federal enviou militares, helicópteros e barcos das Forças Armadas para "
        "ajudar no resgate das vítimas das enchentes no Rio Grande do Sul. O governador "
        "Eduardo Leite disse que a tragédia é a pior da história do estado.",
    ),
    (
        "Enchentes no Rio Grande do Sul: número de mortos passa de cem",
        "O número de mortos nas enchentes do Rio Grande do Sul passou de cem, informou a "
        "Defesa Civil do estado. Mais de 150 mil pessoas estão em abrigos e centenas continuam "
        "desaparecidas no Vale do Taquari e na região metropolitana de Porto Alegre.",
    ),
    (
        "Voluntários resgatam moradores ilhados em Canoas",
        "Centenas de voluntários com barcos e jet skis ajudam os bombeiros a resgatar "
        "moradores ilhados em Canoas, na região metropolitana de Porto Alegre. Muitas famílias "
        "passaram a noite nos telhados à espera de socorro depois que a água do Guaíba invadiu "
        "os bairros.",
    ),
    (
        "Nível do Guaíba começa a baixar em Porto Alegre",
        "Depois de atingir o recorde de mais de cinco metros, o nível do Guaíba começou a "
        "baixar lentamente, segundo a prefeitura de Porto Alegre. A Defesa Civil alerta que "
        "novas chuvas podem fazer a água subir outra vez nos próximos dias.",
    ),
    (
        "Rio Grande do Sul decreta estado de calamidade por causa das enchentes",
        "O governo do Rio Grande do Sul decretou estado de calamidade pública em mais de 300 "
        "municípios atingidos pelas enchentes. A medida permite acelerar a compra de "
        "alimentos, água potável e remédios para os desabrigados.",
    ),
    (
        "Aeroporto Salgado Filho segue fechado após enchentes",
        "O aeroporto de Porto Alegre continuará fechado por tempo indeterminado, porque a água "
        "danificou a pista e os equipamentos. As companhias aéreas passaram a operar voos "
        "extras a partir de Canoas e Caxias do Sul.",
    ),
    (
        "Moradores do Vale do Taquari começam a limpar as casas",
        "Com a baixa dos rios, os moradores do Vale do Taquari começaram a voltar para limpar "
        "as casas cobertas de lama. Muitas famílias perderam tudo o que tinham. A Defesa Civil "
        "do Rio Grande do Sul pede cuidado com a água contaminada e com os fios elétricos.",
    ),
)

PT_OTHER: tuple[tuple[str, str], ...] = (
    (
        "Câmara aprova reforma tributária em segundo turno",
        "A Câmara dos Deputados aprovou em segundo turno o texto da reforma tributária, que "
        "unifica impostos sobre o consumo. A proposta segue agora para o Senado, onde o "
        "governo espera votar antes do fim do ano.",
    ),
    (
        "Flamengo vence o Palmeiras no Maracanã",
        "O Flamengo venceu o Palmeiras por dois a zero no Maracanã e assumiu a liderança do "
        "Campeonato Brasileiro. Pedro marcou os dois gols da partida, diante de mais de "
        "sessenta mil torcedores.",
    ),
    (
        "Inflação oficial desacelera em outubro, diz IBGE",
        "A inflação oficial do país desacelerou em outubro e ficou em 0,24 por cento, segundo "
        "o IBGE. A queda no preço da gasolina e das passagens aéreas ajudou a conter o índice.",
    ),
    (
        "Seca recorde na Amazônia isola comunidades ribeirinhas",
        "A seca na Amazônia deixou rios com o menor nível em décadas e isolou centenas de "
        "comunidades ribeirinhas. O governo do Amazonas distribui água e alimentos com a ajuda "
        "de barcos menores.",
    ),
    (
        "Museu do Ipiranga abre exposição sobre a independência",
        "O Museu do Ipiranga, em São Paulo, abriu uma nova exposição sobre os duzentos anos da "
        "independência. A mostra reúne documentos e objetos nunca exibidos ao público e fica "
        "aberta até março.",
    ),
    (
        "Greve de motoristas de ônibus para São Paulo",
        "Uma greve dos motoristas de ônibus deixou milhões de passageiros sem transporte em "
        "São Paulo nesta terça-feira. O sindicato pede reajuste salarial e a prefeitura "
        "suspendeu o rodízio de veículos.",
    ),
    (
        "Polícia prende quadrilha que aplicava golpes em idosos",
        "A Polícia Civil prendeu em Belo Horizonte oito pessoas suspeitas de aplicar golpes em "
        "idosos pelo telefone. Os criminosos se passavam por funcionários de bancos para obter "
        "senhas e cartões das vítimas.",
    ),
    (
        "Petrobras anuncia novo corte no preço do diesel",
        "A Petrobras anunciou uma redução de oito por cento no preço do diesel vendido às "
        "distribuidoras a partir de amanhã. A estatal disse que a queda acompanha o mercado "
        "internacional do petróleo.",
    ),
    (
        "Desemprego cai ao menor nível em dez anos",
        "A taxa de desemprego no Brasil caiu para 6,6 por cento no trimestre, o menor nível em "
        "dez anos, informou o IBGE. O número de trabalhadores com carteira assinada bateu "
        "recorde.",
    ),
    (
        "Eleições municipais: segundo turno em 50 cidades",
        "Eleitores de cinquenta cidades voltam às urnas neste domingo para o segundo turno das "
        "eleições municipais. Em São Paulo, a disputa pela prefeitura está acirrada, segundo "
        "as últimas pesquisas.",
    ),
    (
        "Rayssa Leal conquista o título mundial de skate",
        "A skatista brasileira Rayssa Leal conquistou o título mundial de skate street em "
        "Roma. Aos dezesseis anos, a maranhense venceu a final com uma manobra arriscada na "
        "última volta.",
    ),
    (
        "Aluguel em São Paulo sobe acima da inflação",
        "O preço médio do aluguel em São Paulo subiu mais de doze por cento em um ano, bem "
        "acima da inflação, segundo um índice do mercado imobiliário. Os jovens são os mais "
        "afetados pela falta de moradia barata.",
    ),
    (
        "STF retoma julgamento do marco temporal",
        "O Supremo Tribunal Federal retomou o julgamento sobre o marco temporal das terras "
        "indígenas. Os ministros devem decidir se os povos indígenas só têm direito às terras "
        "que ocupavam em 1988.",
    ),
    (
        "Vacinação contra a gripe é ampliada para toda a população",
        "O Ministério da Saúde ampliou a vacinação contra a gripe para toda a população acima "
        "de seis meses de idade. Os postos de saúde terão horários estendidos no fim de "
        "semana.",
    ),
    (
        "Onda de calor: Rio de Janeiro registra sensação térmica de 60 graus",
        "A cidade do Rio de Janeiro registrou sensação térmica de quase 60 graus nesta "
        "sexta-feira, um recorde. O Inmet emitiu alerta vermelho para grande parte do Sudeste "
        "e recomenda beber muita água.",
    ),
    (
        "Embraer fecha contrato para venda de vinte jatos",
        "A Embraer fechou um contrato para vender vinte jatos comerciais a uma companhia aérea "
        "norte-americana. As ações da fabricante subiram na Bolsa de São Paulo depois do "
        "anúncio.",
    ),
    (
        "Médicos residentes entram em greve no Rio",
        "Os médicos residentes de hospitais públicos do Rio de Janeiro entraram em greve nesta "
        "segunda-feira. Eles pedem o pagamento de bolsas atrasadas e melhores condições de "
        "trabalho.",
    ),
    (
        "Onça-pintada é filmada em fazenda no Pantanal",
        "Uma onça-pintada foi filmada por turistas em uma fazenda do Pantanal, em Mato Grosso "
        "do Sul. Os biólogos dizem que o aumento de avistamentos mostra a recuperação da "
        "espécie na região.",
    ),
    (
        "Carnaval de Salvador bate recorde de público",
        "O Carnaval de Salvador recebeu mais de dois milhões de foliões por dia, um recorde, "
        "segundo a prefeitura. A Polícia Militar registrou menos ocorrências do que no ano "
        "passado.",
    ),
    (
        "Estudante do Recife ganha prêmio internacional de ciência",
        "Uma estudante de dezessete anos do Recife ganhou um prêmio internacional de jovens "
        "cientistas. O projeto dela detecta microplásticos na água com um sensor barato.",
    ),
    (
        "Acidente com caminhão interdita a Via Dutra",
        "Um acidente com um caminhão interditou por horas a Via Dutra, na altura de Guarulhos. "
        "O motorista teve ferimentos leves e o congestionamento chegou a quinze quilômetros.",
    ),
    (
        "Banco Central mantém a Selic em 10,5 por cento",
        "O Comitê de Política Monetária do Banco Central manteve a taxa básica de juros em "
        "10,5 por cento ao ano. Em comunicado, o colegiado disse que a decisão foi unânime.",
    ),
)

# A fire at a chemical storage company in the port of Rotterdam.
NL_STORY: tuple[tuple[str, str], ...] = (
    (
        "Grote brand bij chemisch bedrijf in haven van Rotterdam",
        "In het Botlekgebied in de Rotterdamse haven is vannacht een grote brand uitgebroken "
        "bij een opslagbedrijf voor chemicaliën. De brandweer schaalde op naar zeer grote "
        "brand. Volgens de veiligheidsregio raakte niemand gewond.",
    ),
    (
        "NL-Alert om rook van brand in Botlek",
        "Door de brand in de Botlek trekt een grote rookwolk over Spijkenisse en Hoogvliet. "
        "Inwoners kregen een NL-Alert met het advies ramen en deuren te sluiten en de "
        "ventilatie uit te zetten. De veiligheidsregio meet of er schadelijke stoffen in de "
        "rook zitten.",
    ),
    (
        "Brand in Rotterdamse haven nog niet onder controle",
        "De brandweer heeft de brand bij het chemische opslagbedrijf in de Botlek nog niet "
        "onder controle. Blusboten koelen de opslagtanks naast de brandende loods, zodat het "
        "vuur niet overslaat. Het scheepvaartverkeer in het Calandkanaal ligt stil.",
    ),
    (
        "Metingen rond brand Botlek: geen gevaarlijke stoffen gevonden",
        "Bij metingen rond de brand in de Botlek zijn geen gevaarlijke concentraties van "
        "schadelijke stoffen gevonden, meldt de veiligheidsregio Rotterdam-Rijnmond. Het "
        "advies om ramen en deuren te sluiten blijft voorlopig wel gelden.",
    ),
    (
        "Brand in Botlek na ruim een etmaal geblust",
        "De brandweer heeft de grote brand bij het chemische opslagbedrijf in de Botlek na "
        "ruim een etmaal geblust. Het NL-Alert voor Spijkenisse en Hoogvliet is ingetrokken. "
        "De loods is volledig verwoest, de opslagtanks zijn gespaard gebleven.",
    ),
    (
        "Roetdeeltjes van brand Botlek in tuinen Spijkenisse",
        "Inwoners van Spijkenisse vinden roetdeeltjes van de brand in de Botlek in hun tuinen "
        "en op auto's. De gemeente raadt aan groente uit de moestuin goed te wassen en het "
        "roet niet met blote handen op te ruimen.",
    ),
    (
        "Onderzoek naar oorzaak van brand in Rotterdamse haven",
        "De inspectie en de politie zijn een onderzoek begonnen naar de oorzaak van de brand "
        "bij het opslagbedrijf in de Botlek. Volgens het bedrijf begon het vuur bij het "
        "overpompen van een vloeistof in de loods.",
    ),
    (
        "Bluswater van brand Botlek mogelijk in de Oude Maas",
        "Bij het blussen van de grote brand bij het chemische opslagbedrijf in de Botlek is "
        "mogelijk vervuild bluswater in de Oude Maas terechtgekomen. Rijkswaterstaat neemt "
        "monsters van het rivierwater, ook de drinkwaterbedrijven zijn gevraagd extra te "
        "controleren.",
    ),
    (
        "Opslagbedrijf in Botlek kreeg eerder waarschuwingen",
        "Het chemische opslagbedrijf in de Botlek waar vorige week een grote brand woedde, "
        "kreeg de afgelopen jaren meerdere waarschuwingen van de toezichthouder. Dat blijkt "
        "uit inspectierapporten die de gemeente Rotterdam heeft vrijgegeven.",
    ),
    (
        "Scheepvaart in Calandkanaal weer op gang na brand",
        "Na de grote brand in de Botlek is het scheepvaartverkeer door het Calandkanaal weer "
        "op gang gekomen. Het Havenbedrijf Rotterdam meldt dat de wachtende schepen vandaag "
        "hun lading kunnen lossen.",
    ),
)

NL_OTHER: tuple[tuple[str, str], ...] = (
    (
        "Tweede Kamer stemt in met strengere asielwet",
        "Een meerderheid van de Tweede Kamer heeft ingestemd met een strengere asielwet. De "
        "Eerste Kamer moet zich nog over het voorstel uitspreken. Oppositiepartijen twijfelen "
        "of de wet in strijd is met Europese regels.",
    ),
    (
        "Ajax wint Klassieker van Feyenoord",
        "Ajax heeft de Klassieker tegen Feyenoord met 2-1 gewonnen. In een uitverkochte Johan "
        "Cruijff Arena scoorde Brian Brobbey in de slotfase de winnende treffer.",
    ),
    (
        "Inflatie in Nederland daalt naar 2,8 procent",
        "De inflatie in Nederland is in oktober gedaald naar 2,8 procent, meldt het Centraal "
        "Bureau voor de Statistiek. Vooral energie werd goedkoper, terwijl de prijzen van "
        "voedingsmiddelen verder stegen.",
    ),
    (
        "Storm veroorzaakt schade in het noorden",
        "Een zware storm heeft in Friesland en Groningen veel schade veroorzaakt. Bomen vielen "
        "op wegen en daken en de brandweer rukte honderden keren uit. Er raakten twee mensen "
        "lichtgewond.",
    ),
    (
        "Rijksmuseum toont zeldzame tekeningen van Rembrandt",
        "Het Rijksmuseum in Amsterdam toont deze winter een reeks zeldzame tekeningen van "
        "Rembrandt. Een deel van de werken is nooit eerder aan het publiek getoond, de "
        "tentoonstelling loopt tot maart.",
    ),
    (
        "Staking bij NS: geen treinen in de Randstad",
        "Door een staking van het personeel van de NS rijden er vandaag geen treinen in de "
        "Randstad. De vakbonden eisen een hoger loon en betere roosters voor machinisten en "
        "conducteurs.",
    ),
    (
        "Politie pakt oplichters van ouderen op",
        "De politie heeft in Utrecht zes mensen aangehouden die ouderen zouden hebben "
        "opgelicht. De verdachten deden zich aan de telefoon voor als bankmedewerkers en "
        "haalden pinpassen op bij de slachtoffers thuis.",
    ),
    (
        "ASML verhoogt verwachting voor dit jaar",
        "Chipmachinemaker ASML verwacht dit jaar meer omzet dan eerder gedacht, dankzij de "
        "grote vraag naar machines voor chips voor kunstmatige intelligentie. Het aandeel "
        "steeg op de beurs van Amsterdam.",
    ),
    (
        "Werkloosheid blijft laag",
        "De werkloosheid in Nederland is in september gelijk gebleven op 3,7 procent, meldt "
        "het CBS. In bijna alle sectoren zijn nog veel vacatures, vooral in de zorg en het "
        "onderwijs.",
    ),
    (
        "Lokale partijen winnen gemeenteraadsverkiezingen",
        "Lokale partijen zijn de grote winnaars van de gemeenteraadsverkiezingen. In veel "
        "gemeenten werden zij de grootste partij, terwijl landelijke partijen zetels verloren.",
    ),
    (
        "Max Verstappen wint Grand Prix van Brazilië",
        "Max Verstappen heeft de Grand Prix van Brazilië gewonnen na een start vanaf de "
        "zeventiende plaats. In de regen reed de Nederlander het hele veld voorbij.",
    ),
    (
        "Huurprijzen in Amsterdam en Utrecht weer gestegen",
        "De huurprijzen in Amsterdam en Utrecht zijn het afgelopen jaar opnieuw gestegen, "
        "blijkt uit cijfers van een woningsite. Vooral studenten en starters kunnen moeilijk "
        "een betaalbare woning vinden.",
    ),
    (
        "Raad van State schrapt vergunning voor verbreding snelweg",
        "De Raad van State heeft de natuurvergunning voor de verbreding van een snelweg bij "
        "Utrecht vernietigd. Volgens de rechters is niet goed onderbouwd hoeveel stikstof er "
        "op natuurgebieden terechtkomt.",
    ),
    (
        "Griepgolf: huisartsen hebben het druk",
        "Nederland heeft te maken met een griepgolf, meldt het RIVM. Huisartsen zien veel "
        "patiënten met koorts en hoesten, en ouderen wordt aangeraden zich te laten "
        "vaccineren.",
    ),
    (
        "Hittegolf: KNMI geeft code oranje af",
        "Het KNMI heeft code oranje afgegeven voor het zuiden van het land vanwege "
        "temperaturen tot 37 graden. Mensen wordt aangeraden veel water te drinken en de hitte "
        "te vermijden.",
    ),
    (
        "Philips schrapt duizenden banen",
        "Philips schrapt wereldwijd nog eens duizenden banen na tegenvallende resultaten in "
        "het derde kwartaal. De vakbonden spreken van een zware klap voor de medewerkers in "
        "Eindhoven.",
    ),
    (
        "Zorgmedewerkers voeren actie voor hoger loon",
        "Medewerkers van ziekenhuizen in het hele land hebben het werk neergelegd voor een "
        "hoger loon. Geplande operaties zijn uitgesteld, de spoedeisende hulp gaat gewoon "
        "door.",
    ),
    (
        "Wolf valt schapen aan op de Veluwe",
        "Een wolf heeft op de Veluwe opnieuw schapen doodgebeten. Schapenhouders willen dat de "
        "provincie Gelderland sneller ingrijpt, de provincie wacht eerst DNA-onderzoek af.",
    ),
    (
        "Koningsdag trekt recordaantal bezoekers in Amsterdam",
        "Amsterdam heeft op Koningsdag meer bezoekers getrokken dan ooit. De politie spreekt "
        "van een gezellig feest met weinig incidenten, al was het in de binnenstad erg druk.",
    ),
    (
        "Scholiere uit Groningen wint Europese wetenschapsprijs",
        "Een zeventienjarige scholiere uit Groningen heeft een Europese prijs voor jonge "
        "wetenschappers gewonnen. Zij ontwikkelde een goedkope sensor die microplastics in "
        "water kan aantonen.",
    ),
    (
        "A2 urenlang dicht na ongeluk met vrachtwagen",
        "De A2 bij Eindhoven is urenlang dicht geweest na een ongeluk met een vrachtwagen. De "
        "chauffeur raakte lichtgewond, er ontstonden files van meer dan tien kilometer.",
    ),
    (
        "Kabinet wil lagere energierekening voor lage inkomens",
        "Het kabinet wil huishoudens met een laag inkomen ook volgend jaar helpen met hun "
        "energierekening. Op Prinsjesdag presenteerde de minister van Financiën een pakket van "
        "twee miljard euro.",
    ),
)
